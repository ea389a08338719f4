"""The default certificate check: the settings of ssl.create_default_context with httpx's CA locations, the CA
bundle read before the first TLS handshake and only then (never by a client of an http:// endpoint)."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest

from erpsync_gui.errors import RetryableError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.client_cert import ssl_context
from erpsync_gui.http.default_trust import DeferredTrustContext, default_context, trust_locations
from tests.unit.http_fakes import FakeServer, Reply, self_signed_cert


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy (it would swallow requests meant for 127.0.0.1) and no CA locations from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, Any]]]:
    """Every CA store read by any context of the process, as (cafile, capath)."""
    seen: list[tuple[Any, Any]] = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, cafile: Any = None, capath: Any = None, cadata: Any = None) -> None:
        seen.append((cafile, capath))
        original(self, cafile, capath, cadata)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    yield seen


def _settings(context: ssl.SSLContext) -> dict[str, Any]:
    return {"protocol": context.protocol, "verify_mode": context.verify_mode, "check_hostname": context.check_hostname,
            "verify_flags": context.verify_flags, "options": context.options,
            "minimum_version": context.minimum_version, "maximum_version": context.maximum_version,
            "post_handshake_auth": context.post_handshake_auth, "keylog_filename": context.keylog_filename,
            "hostname_checks_common_name": context.hostname_checks_common_name}


def test_the_settings_and_the_ca_store_are_those_httpx_makes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    reference = ssl.create_default_context(cafile=certifi.where())  # what httpx builds for verify=True
    context = default_context()
    assert _settings(context) == _settings(reference)
    assert not context.trust_loaded and context.cert_store_stats()["x509_ca"] == 0
    context._load_trust()
    assert context.trust_loaded
    assert context.cert_store_stats() == reference.cert_store_stats()
    assert context.get_ca_certs() == reference.get_ca_certs()


def test_the_ca_locations_follow_the_environment_as_httpx_reads_it() -> None:
    assert trust_locations({}) == (certifi.where(), None)
    assert trust_locations({"SSL_CERT_DIR": "/etc/ssl/certs"}) == (None, "/etc/ssl/certs")
    assert trust_locations({"SSL_CERT_FILE": "/ca.pem", "SSL_CERT_DIR": "/etc/ssl/certs"}) == ("/ca.pem", None)
    assert trust_locations({"SSL_CERT_FILE": "", "SSL_CERT_DIR": ""}) == (certifi.where(), None)


def test_only_the_default_check_is_deferred(tmp_path: Path) -> None:
    assert isinstance(ssl_context(True), DeferredTrustContext)
    assert ssl_context(False) is False
    cert, _key = self_signed_cert(tmp_path)
    custom = ssl_context(str(cert))  # a CA bundle of the endpoint's own is read at once (a bad one is a setting)
    assert not isinstance(custom, DeferredTrustContext) and isinstance(custom, ssl.SSLContext)
    assert custom.cert_store_stats()["x509_ca"] == 1


def test_a_client_of_an_http_endpoint_never_reads_the_ca_bundle(loads: list[tuple[Any, Any]]) -> None:
    with FakeServer() as srv:
        srv.script("/x", Reply(200, json={"ok": True}))
        with HttpClient(HttpSettings(srv.url, timeout=2, retries=0)) as client:
            assert client.get("/x").json() == {"ok": True}
    assert loads == []


def test_an_https_endpoint_reads_it_once_and_still_refuses_an_untrusted_certificate(
        loads: list[tuple[Any, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed_cert(tmp_path)
    with FakeServer(tls=(cert, key)) as srv:
        srv.script("/x", Reply(200, json={"tls": True}))
        with HttpClient(HttpSettings(srv.url, timeout=2, retries=0), sleep=lambda _s: None) as client, \
                pytest.raises(RetryableError, match="TLS certificate verification failed"):
            client.get("/x")
        assert loads == [(certifi.where(), None)]
        # the environment's CA file is trusted as httpx trusts it; read once for all of the client's connections
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        with HttpClient(HttpSettings(srv.url, timeout=2, retries=0)) as client:
            assert client.get("/x").json() == {"tls": True}
            assert client.get("/x", headers={"Connection": "close"}).json() == {"tls": True}
            assert client.get("/x").json() == {"tls": True}
        assert loads == [(certifi.where(), None), (str(cert), None)]


def test_threads_shaking_hands_at_once_read_the_store_once(loads: list[tuple[Any, Any]]) -> None:
    context = default_context()
    start = threading.Barrier(8)

    def handshake() -> None:
        start.wait()
        context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")

    threads = [threading.Thread(target=handshake) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [(certifi.where(), None)]
