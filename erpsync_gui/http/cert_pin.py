"""Trusting one server certificate by its SHA-256 fingerprint, for on-premise servers with self-signed
certificates (SAP Business One's Service Layer ships with one).

A pinned endpoint accepts exactly the certificate whose DER bytes hash to the pinned fingerprint, and
nothing else: the chain and host name are not checked (a self-signed certificate has no chain, and its
name is often not the host's), but a different certificate fails the handshake with PinMismatchError.
The pin is an explicit choice a person makes after seeing the fingerprint (`peer_fingerprint` reads it);
verification is never simply switched off.
"""

from __future__ import annotations

import hashlib
import re
import socket
import ssl

from erpsync_gui.errors import ConfigError

_HEX = re.compile(r"[0-9A-F]{64}")


def normalize_fingerprint(value: str) -> str:
    """A SHA-256 fingerprint as upper-case hex pairs joined by colons; ConfigError when it is not one."""
    compact = re.sub(r"[\s:]", "", str(value)).upper()
    if compact.startswith("SHA256"):
        compact = compact[6:].lstrip("=")
    if not _HEX.fullmatch(compact):
        raise ConfigError(f"{value!r} is not a SHA-256 certificate fingerprint",
                          hint="64 hex digits, optionally in colon-separated pairs")
    return ":".join(compact[i:i + 2] for i in range(0, 64, 2))


def fingerprint_of(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate, in the form normalize_fingerprint gives."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


class PinMismatchError(ssl.SSLCertVerificationError):
    """The server showed a certificate other than the pinned one."""

    def __init__(self, seen: str | None, pinned: str) -> None:
        shown = seen or "no certificate"
        super().__init__(f"the server's certificate has SHA-256 fingerprint {shown}, not the trusted {pinned}")
        self.seen = seen
        self.pinned = pinned


def _check_peer(der: bytes | None, pinned: str) -> None:
    seen = fingerprint_of(der) if der else None
    if seen != pinned:
        raise PinMismatchError(seen, pinned)


class _PinnedSocket(ssl.SSLSocket):
    """An SSLSocket that checks the pin right after the handshake, before any request is written."""

    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        _check_peer(self.getpeercert(binary_form=True), self.context.pinned_sha256)  # type: ignore[attr-defined]


class _PinnedObject(ssl.SSLObject):
    """The same check for TLS over a memory BIO (an HTTPS proxy tunnel)."""

    def do_handshake(self) -> None:
        super().do_handshake()
        _check_peer(self.getpeercert(binary_form=True), self.context.pinned_sha256)  # type: ignore[attr-defined]


def pinned_context(fingerprint: str) -> ssl.SSLContext:
    """A client context that accepts only the certificate with this SHA-256 fingerprint."""
    pinned = normalize_fingerprint(fingerprint)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # the pin replaces chain and name checks: it names the one certificate to accept
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.pinned_sha256 = pinned  # type: ignore[attr-defined]
    context.sslsocket_class = _PinnedSocket
    context.sslobject_class = _PinnedObject
    return context


def peer_fingerprint(host: str, port: int, timeout: float = 10.0) -> str | None:
    """The SHA-256 fingerprint of the certificate a TLS server at host:port shows, without trusting it
    (so a window can offer to trust it); None when no TLS handshake is possible. Connects directly, not
    through a proxy."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to read the certificate; nothing is sent
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    return fingerprint_of(der) if der else None
