"""The webhook receiver's unguessable path token (kept in the keyring) and the names of its secrets. The
settings themselves are a typed part of the profile (erpsync_gui/config/webhook.py).
"""

from __future__ import annotations

import secrets

from erpsync_gui.config.webhook import WebhookSettings
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore

__all__ = ["TOKEN_SECRET", "VERIFIER_SECRET", "WebhookSettings", "path_token"]

#: the keyring entry of the path token (on the CRM side of the profile)
TOKEN_SECRET = "webhook_token"
#: the keyring entry of a signing system's verifier token or notification token
VERIFIER_SECRET = "webhook_verifier"
TOKEN_BYTES = 32


def path_token(store: SecretStore, profile: str) -> str:
    """The receiver's secret path token, made (secrets.token_urlsafe) and kept in the keyring on first use."""
    token = store.get(profile, Side.CRM, TOKEN_SECRET)
    if not token:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        store.set(profile, Side.CRM, TOKEN_SECRET, token)
    return token
