"""Trusting one self-signed certificate by its SHA-256 fingerprint, against a local TLS server with a
freshly generated certificate: the fingerprint read from the server matches the file's, a pinned client
connects, a wrong pin fails at once with both fingerprints named, and plain verification still refuses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from erpsync_gui.errors import ConfigError, RetryableError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import endpoint_client
from erpsync_gui.http.cert_pin import normalize_fingerprint, peer_fingerprint
from erpsync_gui.http.ratelimit import LimiterRegistry
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.unit.http_fakes import FakeServer, Reply, self_signed_cert


def _file_fingerprint(path: Path) -> str:
    der = x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[FakeServer, str]]:
    cert, key = self_signed_cert(tmp_path)
    with FakeServer(tls=(cert, key)) as server:
        server.script("/x", Reply(200, json={"tls": True}))
        yield server, _file_fingerprint(cert)


def _client(url: str, sleeps: list[float], **settings: object) -> HttpClient:
    return HttpClient(HttpSettings(url, timeout=5, retries=2, **settings), sleep=sleeps.append,
                      limiters=LimiterRegistry())


def test_the_fingerprint_read_from_the_server_is_its_certificates(tls_server: tuple[FakeServer, str]) -> None:
    server, expected = tls_server
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    assert peer_fingerprint("127.0.0.1", port) == expected
    assert server.requests == []  # reading the certificate sends no request


def test_a_pinned_certificate_is_trusted_and_an_unpinned_one_is_not(tls_server: tuple[FakeServer, str]) -> None:
    server, fingerprint = tls_server
    sleeps: list[float] = []
    with _client(server.url, sleeps) as client, pytest.raises(RetryableError) as caught:
        client.get("/x")
    assert "TLS certificate verification failed" in str(caught.value)
    assert "trust_cert_sha256" in (caught.value.hint or "")
    compact = fingerprint.replace(":", "").lower()  # any spelling of the fingerprint is accepted
    with _client(server.url, sleeps, pinned_sha256=compact) as client:
        assert client.get("/x").json() == {"tls": True}
    assert sleeps == []


def test_a_wrong_pin_fails_at_once_naming_both_fingerprints(tls_server: tuple[FakeServer, str]) -> None:
    server, fingerprint = tls_server
    other = normalize_fingerprint("AB" * 32)
    sleeps: list[float] = []
    with _client(server.url, sleeps, pinned_sha256=other) as client, pytest.raises(RetryableError) as caught:
        client.get("/x")
    assert fingerprint in str(caught.value) and other in str(caught.value)
    assert sleeps == []  # a retry cannot change the certificate
    assert server.seen("/x") == []  # nothing was sent to the unknown server


def test_the_pin_is_an_endpoint_option_and_beats_verify_false(tls_server: tuple[FakeServer, str]) -> None:
    server, fingerprint = tls_server
    wrong = EndpointConfig(Side.ERP, "rest", server.url, options={"verify": False, "trust_cert_sha256": "CD" * 32})
    with endpoint_client(wrong, {}) as client, pytest.raises(RetryableError):
        client.get("/x")  # the pin still applies although verify is off
    right = EndpointConfig(Side.ERP, "rest", server.url, options={"trust_cert_sha256": fingerprint})
    with endpoint_client(right, {}) as client:
        assert client.get("/x").status_code == 200


@pytest.mark.parametrize("text", ["", "12:34", "zz" * 32, "AB" * 33])
def test_a_malformed_fingerprint_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="SHA-256"):
        HttpSettings("https://erp.example.com", pinned_sha256=text)


def test_fingerprint_spellings_are_normalized() -> None:
    expected = ":".join(["0A"] * 32)
    assert normalize_fingerprint("0a" * 32) == expected
    assert normalize_fingerprint("SHA256=" + ":".join(["0a"] * 32)) == expected
