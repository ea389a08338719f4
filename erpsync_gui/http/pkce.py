"""PKCE (RFC 7636) for the OAuth2 authorization-code flow: a random code verifier and its S256 challenge,
so an intercepted authorization code is useless without the verifier that never left this process."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

_VERIFIER_CHARS = frozenset(string.ascii_letters + string.digits + "-._~")


def make_verifier(length: int = 64) -> str:
    """A code verifier of 43 to 128 unreserved characters."""
    if not 43 <= length <= 128:
        raise ValueError("a PKCE code verifier has 43 to 128 characters")
    return secrets.token_urlsafe(length)[:length]


def challenge_s256(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding: the `code_challenge` for method S256."""
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _VERIFIER_CHARS:
        raise ValueError("not a valid PKCE code verifier")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_state() -> str:
    """An unguessable `state` value that ties the redirect to this login attempt."""
    return secrets.token_urlsafe(24)
