"""TLS settings of an endpoint: certificate checks, a custom CA bundle and a client certificate
(PEM certificate + key, or a PKCS#12 bundle), with the password taken from the keyring.

A PKCS#12 bundle is opened with the `cryptography` package and handed to OpenSSL through a private
temporary file whose key is encrypted with a one-time password; the file is deleted at once.
"""

from __future__ import annotations

import contextlib
import os
import secrets as token_source
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from erpsync_gui.errors import ConfigError
from erpsync_gui.http.cert_pin import pinned_context
from erpsync_gui.http.default_trust import default_context

PKCS12_SUFFIXES = (".p12", ".pfx")
_HINT = "check the client certificate settings of the endpoint"


@dataclass(frozen=True)
class ClientCertificate:
    """A client certificate to present: `cert_file` is PEM (with `key_file`, or the key inside) or PKCS#12."""

    cert_file: str
    key_file: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def is_pkcs12(self) -> bool:
        return Path(self.cert_file).suffix.lower() in PKCS12_SUFFIXES

    def check(self) -> None:
        """ConfigError when a file is missing, before any connection is tried."""
        for path in (self.cert_file, self.key_file):
            if path and not os.path.isfile(path):
                raise ConfigError(f"the client certificate file {path} does not exist", hint=_HINT)

    def load_into(self, context: ssl.SSLContext) -> None:
        """Make `context` present this certificate."""
        self.check()
        if self.is_pkcs12:
            self._load_pkcs12(context)
            return
        try:
            context.load_cert_chain(self.cert_file, self.key_file, password=self.password or None)
        except ssl.SSLError as exc:
            raise ConfigError(_describe(exc, self.cert_file), hint=_HINT) from None
        except OSError as exc:
            raise ConfigError(f"cannot read the client certificate {self.cert_file}: {exc.strerror}",
                              hint=_HINT) from None

    def _load_pkcs12(self, context: ssl.SSLContext) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12

        try:
            data = Path(self.cert_file).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the client certificate {self.cert_file}: {exc.strerror}",
                              hint=_HINT) from None
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(
                data, self.password.encode("utf-8") if self.password else None)
        except ValueError:
            raise ConfigError(
                f"the PKCS#12 file {self.cert_file} cannot be opened: the password is wrong or the file is damaged",
                hint="set the password with `erpsync secret set <side>.cert_password`") from None
        if key is None or cert is None:
            raise ConfigError(f"the PKCS#12 file {self.cert_file} holds no certificate with its private key",
                              hint=_HINT)
        one_time = token_source.token_urlsafe(24)
        pem = cert.public_bytes(serialization.Encoding.PEM)
        pem += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain or ())
        pem += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.BestAvailableEncryption(one_time.encode()))
        handle, path = tempfile.mkstemp(prefix="erpsync-cert-", suffix=".pem")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(pem)
            context.load_cert_chain(path, password=one_time)
        except ssl.SSLError as exc:
            raise ConfigError(_describe(exc, self.cert_file), hint=_HINT) from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _describe(exc: ssl.SSLError, path: str) -> str:
    text = str(exc)
    if "BAD_DECRYPT" in text or "bad decrypt" in text.lower() or "PEM lib" in text:
        return f"the private key of the client certificate {path} cannot be read: wrong password or damaged file"
    if "KEY_VALUES_MISMATCH" in text:
        return f"the private key does not belong to the client certificate {path}"
    return f"the client certificate {path} cannot be used: {exc.reason or text}"


def ssl_context(verify: bool | str, cert: ClientCertificate | None = None,
                pinned_sha256: str | None = None) -> bool | ssl.SSLContext:
    """What httpx takes as `verify`: True/False as is, else a context with the CA bundle (file or
    directory) and the client certificate. A pinned fingerprint (cert_pin.py) replaces `verify`. The default
    check (True) is httpx's, its CA bundle read at the first TLS handshake (default_trust.py)."""
    if cert is None and not isinstance(verify, str) and not pinned_sha256:
        return default_context() if verify is True else verify
    try:
        if pinned_sha256:
            context = pinned_context(pinned_sha256)
        elif verify is False:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(verify, str) and os.path.isdir(verify):
            context = ssl.create_default_context(capath=verify)
        elif isinstance(verify, str):
            context = ssl.create_default_context(cafile=verify)
        else:
            context = ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot read the CA bundle {verify}: {exc}", hint="check the TLS settings") from exc
    if cert is not None:
        cert.load_into(context)
    return context
