"""The sandbox's public demo tokens: not secrets, printed in the docs and used by `erpsync demo`."""

from __future__ import annotations

DEMO_AUTH_TOKEN = "demo-auth-token"
DEMO_CLIENT_TOKEN = "demo-client-token"
#: the demo profile's secrets by name: the sandbox's tokens (the desktop app reads them before its store is open)
DEMO_SECRETS = {"erp.token": DEMO_AUTH_TOKEN, "erp.client_token": DEMO_CLIENT_TOKEN}
