"""The certificate check of an endpoint with default TLS settings, with its CA store read when the first TLS
handshake needs it rather than when the client is built.

httpx's `verify=True` makes `ssl.create_default_context(cafile=certifi.where())` (or the file of SSL_CERT_FILE,
or the directory of SSL_CERT_DIR, since the clients trust the environment) for every client: reading the CA
bundle is about 30 ms, paid even by a client of an http:// endpoint that never shakes hands. This context has
the same settings (certificate and host name required, the same verify flags, SSLKEYLOGFILE honoured) and the
same CA locations; it loads them before its first handshake, under a lock, so no connection is ever made with
an empty or partly read CA store.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any

import certifi


class DeferredTrustContext(ssl.SSLContext):
    """A client context whose CA locations are loaded just before the first socket or BIO is wrapped."""

    _ca_file: str | None
    _ca_path: str | None
    _loaded: bool
    _load_lock: threading.Lock

    def _load_trust(self) -> None:
        if self._loaded:
            return
        with self._load_lock:
            if not self._loaded:
                self.load_verify_locations(cafile=self._ca_file, capath=self._ca_path)
                self._loaded = True

    @property
    def trust_loaded(self) -> bool:
        """Whether the CA store has been read (after the first handshake)."""
        return self._loaded

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_trust()
        return super().wrap_bio(*args, **kwargs)


def trust_locations(environ: dict[str, str] | os._Environ[str] = os.environ) -> tuple[str | None, str | None]:
    """(CA file, CA directory) as httpx picks them for `verify=True` when it trusts the environment."""
    if environ.get("SSL_CERT_FILE"):
        return environ["SSL_CERT_FILE"], None
    if environ.get("SSL_CERT_DIR"):
        return None, environ["SSL_CERT_DIR"]
    return certifi.where(), None


def default_context() -> DeferredTrustContext:
    """What `ssl.create_default_context(cafile=..., capath=...)` makes for a client, CA store still unread."""
    context = DeferredTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    if sys.version_info >= (3, 13):  # the flags create_default_context sets from Python 3.13 on
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    context._ca_file, context._ca_path = trust_locations()
    context._loaded = False
    context._load_lock = threading.Lock()
    return context
