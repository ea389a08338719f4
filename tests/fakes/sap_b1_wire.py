"""The wire formats the fake Service Layer reads: OData $filter expressions (the forms a client sends:
eq ne gt ge lt le, and, or, parentheses; time literals compared to the hour and minute only, as SAP's guide
says), $batch request bodies, and its self-signed certificate."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STALE = "Another user or another operation modified data; to continue, open the window again (ODBC -2039)"
KEYS = {"BusinessPartners": "CardCode", "Items": "ItemCode", "ItemGroups": "Number", "Warehouses": "WarehouseCode",
        "Orders": "DocEntry", "Quotations": "DocEntry", "Invoices": "DocEntry", "IncomingPayments": "DocEntry"}
DOCS = {"Orders": "ORDR", "Quotations": "OQUT", "Invoices": "OINV", "IncomingPayments": "ORCT"}
LINE_KEYS = {"DocumentLines": "LineNum", "ContactEmployees": "InternalCode", "PaymentInvoices": "LineNum"}


class FakeError(Exception):
    """An error the fake answers with: HTTP status, SAP code, SAP message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_TOKEN = re.compile(r"\s*(?:(\()|(\))|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)\b|([A-Za-z_][\w/]*))")


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FakeError(400, -1000, f"Invalid filter near {text[pos:pos + 20]!r}")
        pos = m.end()
        if m[1]:
            out.append(("(", None))
        elif m[2]:
            out.append((")", None))
        elif m[3] is not None:
            out.append(("lit", m[3].replace("''", "'")))
        elif m[4]:
            out.append(("lit", float(m[4]) if "." in m[4] else int(m[4])))
        else:
            out.append(("word", m[5]))
    return out


def _norm(field: str, value: Any) -> Any:
    """Values as the server compares them: dates by day, times by hour and minute only."""
    if value is None:
        return None
    if field.endswith("Time") and isinstance(value, str):
        return value.split("T")[-1][:5]
    if field.endswith("Date") and isinstance(value, str):
        return value.replace("-", "")[:8]
    return value


def compile_filter(text: str) -> Callable[[dict], bool]:
    toks = _tokens(text)
    pos = 0

    def peek() -> tuple[str, Any] | None:
        return toks[pos] if pos < len(toks) else None

    def take() -> tuple[str, Any]:
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary() -> Callable[[dict], bool]:
        tok = take()
        if tok[0] == "(":
            inner = disjunction()
            take()
            return inner
        field, (_, op), (_, value) = tok[1], take(), take()
        ops = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a is not None and a > b,
               "ge": lambda a, b: a is not None and a >= b, "lt": lambda a, b: a is not None and a < b,
               "le": lambda a, b: a is not None and a <= b}
        if op not in ops:
            raise FakeError(400, -1000, f"Unsupported operator {op}")
        want = _norm(field, value)
        return lambda row: ops[op](_norm(field, row.get(field)), want)

    def conjunction() -> Callable[[dict], bool]:
        parts = [primary()]
        while peek() == ("word", "and"):
            take()
            parts.append(primary())
        return lambda row: all(p(row) for p in parts)

    def disjunction() -> Callable[[dict], bool]:
        parts = [conjunction()]
        while peek() == ("word", "or"):
            take()
            parts.append(conjunction())
        return lambda row: any(p(row) for p in parts)

    return disjunction()


# -- the server ------------------------------------------------------------------------------------------
def certificate(directory: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "b1-server")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path



def batch_requests(raw: bytes, boundary: str) -> list[tuple[str | None, str, str, dict]]:
    """(Content-ID, method, path, body) of each request of the batch's changesets."""
    text = raw.replace(b"\r\n", b"\n").decode()
    out = []
    for part in text.split(f"--{boundary}")[1:]:
        if part.startswith("--"):
            break
        head, _, rest = part.strip("\n").partition("\n\n")
        inner = re.search(r'boundary="?([^";\n]+)', head)
        if not inner:
            raise FakeError(400, -1000, "Incomplete Batch Request Body!")
        for sub in rest.split(f"--{inner[1]}")[1:]:
            if sub.startswith("--"):
                break
            mime, _, http = sub.strip("\n").partition("\n\n")
            cid = re.search(r"(?im)^content-id:\s*(\S+)", mime)
            line, _, remainder = http.partition("\n")
            method, path, _version = line.split(" ", 2)
            _headers, _, body = remainder.partition("\n\n")
            out.append((cid[1] if cid else None, method, urlsplit(path).path, json.loads(body) if body.strip() else {}))
    return out
