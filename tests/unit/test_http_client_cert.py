"""A client certificate presented to a local TLS server that requires one: a CA, a server and a client
certificate made in the test; PEM and PKCS#12 (its password from the keyring) both work, and a missing
certificate or a wrong password fails clearly."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from erpsync_gui.errors import ConfigError, RetryableError
from erpsync_gui.http.auth_factory import endpoint_client
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore

P12_PASSWORD = "p12-Secret-913"


def _cert(subject: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool, ip: str | None = None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(obj) -> bytes:
    return obj.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Office CA")])
    ca = _cert("Office CA", ca_key, ca_name, ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server = _cert("127.0.0.1", server_key, ca_name, ca_key, ca=False, ip="127.0.0.1")
    client = _cert("erpsync-client", client_key, ca_name, ca_key, ca=False)
    files = {"ca": d / "ca.pem", "server": d / "server.pem", "server_key": d / "server.key",
             "client": d / "client.pem", "client_key": d / "client.key", "p12": d / "client.p12"}
    files["ca"].write_bytes(_pem(ca))
    files["server"].write_bytes(_pem(server))
    files["server_key"].write_bytes(_key_pem(server_key))
    files["client"].write_bytes(_pem(client))
    files["client_key"].write_bytes(_key_pem(client_key))
    files["p12"].write_bytes(pkcs12.serialize_key_and_certificates(
        b"erpsync", client_key, client, None, serialization.BestAvailableEncryption(P12_PASSWORD.encode())))
    return files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        peer = self.connection.getpeercert()
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        payload = json.dumps({"client": subject.get("commonName")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # refused handshakes are part of the tests


@pytest.fixture
def mtls_url(pki: dict[str, Path]) -> Iterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server"], pki["server_key"])
    context.load_verify_locations(pki["ca"])
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no connection
    server = _Quiet(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _endpoint(url: str, pki: dict[str, Path], **options: Any) -> EndpointConfig:
    return EndpointConfig(Side.ERP, "rest", url, auth="client_cert", retries=0, timeout=5,
                          options={"verify": str(pki["ca"]), **options})


def test_a_pem_client_certificate_is_presented(mtls_url: str, pki: dict[str, Path]) -> None:
    endpoint = _endpoint(mtls_url, pki, client_cert=str(pki["client"]), client_key=str(pki["client_key"]))
    with endpoint_client(endpoint, {}) as http:
        assert http.get("who").json() == {"client": "erpsync-client"}


def test_a_pkcs12_bundle_with_its_password_from_the_keyring(mtls_url: str, pki: dict[str, Path]) -> None:
    secrets = SecretStore()
    secrets.set("acme", "erp", "cert_password", P12_PASSWORD)
    endpoint = _endpoint(mtls_url, pki, client_cert=str(pki["p12"]))
    from erpsync_gui.config.kinds import connector_kind

    assert "cert_password" in [s.name for s in connector_kind(endpoint.kind).needed_secrets(endpoint)]
    with endpoint_client(endpoint, secrets.endpoint("acme", Side.ERP)) as http:
        assert http.get("who").json() == {"client": "erpsync-client"}
        assert P12_PASSWORD in http.secrets


def test_without_a_certificate_the_server_refuses(mtls_url: str, pki: dict[str, Path]) -> None:
    endpoint = EndpointConfig(Side.ERP, "rest", mtls_url, retries=0, timeout=5, options={"verify": str(pki["ca"])})
    with endpoint_client(endpoint, {}) as http, pytest.raises(RetryableError):
        http.get("who")


def test_a_wrong_pkcs12_password_is_a_config_error(pki: dict[str, Path]) -> None:
    endpoint = _endpoint("https://127.0.0.1:1/", pki, client_cert=str(pki["p12"]))
    with pytest.raises(ConfigError, match="password is wrong"):
        endpoint_client(endpoint, {"cert_password": "guess"})


def test_client_cert_kind_needs_a_file(pki: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match=r"options\.client_cert names no file"):
        endpoint_client(_endpoint("https://127.0.0.1:1/", pki), {})
    with pytest.raises(ConfigError, match="does not exist"):
        endpoint_client(_endpoint("https://127.0.0.1:1/", pki, client_cert="/nowhere/client.pem"), {})
