"""Verifying a webhook call before anything else happens, one small verifier per connector kind.

A verifier reads the raw call and returns the events it carries, or raises VerificationError (the
status to answer and why). Registered by kind in VERIFIERS; the listener has checked the path token
and the source address before, for every kind.

- payamgostar: no body, no signature, no secret; `GET ?event=Insert|Update|Delete&id=<guid>&type=<record
  type>&subtype=<Persian type name>` (seen live). Only the shape is checked: the event itself is never
  trusted, the record is fetched from the CRM.
- quickbooks: header `intuit-signature` = base64 of HMAC-SHA256 over the raw body, keyed with the app's
  verifier token; the legacy `eventNotifications` body and the CloudEvents array are both read.
- zoho: a notification channel sends a POST with a JSON body carrying back the `token` (and `channel_id`)
  given when the channel was enabled; `ids`, `module` and `operation` name the records.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_ID = 191
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_.]{0,190}")


@dataclass(frozen=True)
class IncomingCall:
    """One raw call as the listener got it."""

    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    body: bytes
    source: str

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class WebhookEvent:
    """What a call claims happened to one record (a claim only: the record is fetched before it syncs)."""

    event: str
    #: the caller's own record type ("Identity", "Quote", "Customer", "Leads")
    type: str
    record_id: str
    subtype: str | None = None
    #: set for the receiver's own test events, which are logged and never synced
    test: bool = False


@dataclass(frozen=True)
class VerifierConfig:
    #: the signing secret or notification token, when the kind has one
    secret: str | None = None
    channel_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class VerificationError(Exception):
    """The call is refused: `status` is the HTTP answer, the message says why (never with a secret in it)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


Verifier = Callable[[IncomingCall], list[WebhookEvent]]
#: the id the receiver's own test events carry
TEST_ID = "00000000-0000-0000-0000-000000000000"


def _record_id(value: Any) -> str:
    text = str(value or "").strip()
    if not _ID.fullmatch(text):
        raise VerificationError(400, "the record id is missing or malformed")
    return text


def payamgostar(config: VerifierConfig) -> Verifier:
    events = {"Insert", "Update", "Delete"}

    def verify(call: IncomingCall) -> list[WebhookEvent]:
        if call.method != "GET":
            raise VerificationError(405, "Payamgostar calls are GET requests")
        if call.body:
            raise VerificationError(400, "Payamgostar calls carry no body")
        event, type_ = call.param("event"), call.param("type")
        if event not in events:
            raise VerificationError(400, f"unknown event {str(event)[:20]!r}")
        if not type_ or len(type_) > 40 or not type_.isidentifier():
            raise VerificationError(400, "the record type is missing or malformed")
        record_id = _record_id(call.param("id"))
        subtype = (call.param("subtype") or "")[:200] or None
        return [_event(event, type_, record_id, subtype)]

    return verify


def quickbooks(config: VerifierConfig) -> Verifier:
    if not config.secret:
        raise ValueError("QuickBooks webhooks need the verifier token")
    key = config.secret.encode("utf-8")

    def verify(call: IncomingCall) -> list[WebhookEvent]:
        if call.method != "POST":
            raise VerificationError(405, "QuickBooks notifications are POST requests")
        given = call.header("intuit-signature") or ""
        expected = base64.b64encode(hmac.new(key, call.body, hashlib.sha256).digest()).decode("ascii")
        if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
            raise VerificationError(401, "the intuit-signature does not match the body")
        return _quickbooks_events(_json(call.body))

    return verify


def _quickbooks_events(body: Any) -> list[WebhookEvent]:
    out: list[WebhookEvent] = []
    if isinstance(body, dict):  # the legacy shape
        for note in body.get("eventNotifications") or []:
            for entity in ((note or {}).get("dataChangeEvent") or {}).get("entities") or []:
                out.append(_event(str(entity.get("operation") or "Update"), str(entity.get("name") or ""),
                                  _record_id(entity.get("id"))))
    elif isinstance(body, list):  # CloudEvents: type qbo.<entity>.<operation>.v1
        for item in body:
            parts = str((item or {}).get("type") or "").split(".")
            entity = parts[1].capitalize() if len(parts) > 2 else ""
            operation = parts[2].capitalize() if len(parts) > 2 else "Updated"
            out.append(_event(operation, entity, _record_id((item or {}).get("intuitentityid"))))
    else:
        raise VerificationError(400, "the notification is neither of QuickBooks' two shapes")
    return [e for e in out if e.type]


def zoho(config: VerifierConfig) -> Verifier:
    if not config.secret:
        raise ValueError("Zoho notification channels need their token")
    token = config.secret.encode("utf-8")

    def verify(call: IncomingCall) -> list[WebhookEvent]:
        if call.method != "POST":
            raise VerificationError(405, "Zoho notifications are POST requests")
        body = _json(call.body)
        if not isinstance(body, dict):
            raise VerificationError(400, "the notification is not a JSON object")
        given = str(body.get("token") or "").encode("utf-8")
        if not hmac.compare_digest(given, token):
            raise VerificationError(401, "the notification's token does not match the channel's")
        if config.channel_id is not None and str(body.get("channel_id")) != config.channel_id:
            raise VerificationError(401, "the notification is for another channel")
        module, operation = str(body.get("module") or ""), str(body.get("operation") or "update")
        return [_event(operation.capitalize(), module, _record_id(i)) for i in body.get("ids") or []]

    return verify


def _event(event: str, type_: str, record_id: str, subtype: str | None = None) -> WebhookEvent:
    return WebhookEvent(event, type_, record_id, subtype, test=record_id == TEST_ID)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; deep nesting is refused alike
        raise VerificationError(400, "the body is not JSON") from None


#: verifier factories by connector kind
VERIFIERS: dict[str, Callable[[VerifierConfig], Verifier]] = {
    "payamgostar": payamgostar,
    "quickbooks": quickbooks,
    "zoho": zoho,
}


def verifier_for(kind: str, config: VerifierConfig) -> Verifier:
    factory = VERIFIERS.get(kind)
    if factory is None:
        raise ValueError(f"no webhook verifier for {kind!r} (known: {', '.join(VERIFIERS)})")
    return factory(config)
