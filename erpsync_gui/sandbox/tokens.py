"""The sandbox's public demo tokens: not secrets, printed in the docs and used by `erpsync demo`."""

from __future__ import annotations

DEMO_AUTH_TOKEN = "demo-auth-token"
DEMO_CLIENT_TOKEN = "demo-client-token"
