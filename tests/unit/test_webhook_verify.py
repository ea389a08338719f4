"""The per-kind webhook verifiers: Payamgostar's shape, QuickBooks' signature, Zoho's channel token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs

import pytest

from erpsync_gui.app.webhooks.verify import (
    TEST_ID,
    VERIFIERS,
    IncomingCall,
    VerificationError,
    VerifierConfig,
    verifier_for,
)

GUID = "52e469f2-4ff5-4e1e-9228-5946124f894d"
# the real call's query, as the CRM sent it (form-encoded Persian subtype)
LIVE_QUERY = (f"event=Update&id={GUID}&type=Identity"
              "&subtype=%D9%85%D8%AE%D8%A7%D8%B7%D8%A8+%D8%AD%D9%82%DB%8C%D9%82%DB%8C+siagh")


def _call(method="GET", query="", body=b"", headers=None) -> IncomingCall:
    return IncomingCall(method, "/webhook/crm/t", parse_qs(query, keep_blank_values=True), headers or {}, body,
                        "127.0.0.1")


def test_the_registry_has_the_three_kinds():
    assert set(VERIFIERS) >= {"payamgostar", "quickbooks", "zoho"}
    with pytest.raises(ValueError):
        verifier_for("nobody", VerifierConfig())


def test_payamgostars_live_call_is_read_with_its_persian_subtype():
    (event,) = verifier_for("payamgostar", VerifierConfig())(_call(query=LIVE_QUERY))
    assert (event.event, event.type, event.record_id) == ("Update", "Identity", GUID)
    assert event.subtype == "مخاطب حقیقی siagh" and not event.test


@pytest.mark.parametrize(("method", "query", "body"), [
    ("POST", LIVE_QUERY, b""),
    ("GET", LIVE_QUERY, b"{}"),
    ("GET", LIVE_QUERY.replace("Update", "Explode"), b""),
    ("GET", LIVE_QUERY.replace(GUID, "x" * 300), b""),
    ("GET", LIVE_QUERY.replace(GUID, "../etc"), b""),
    ("GET", "event=Update&type=Identity", b""),
])
def test_payamgostar_calls_of_another_shape_are_refused(method, query, body):
    with pytest.raises(VerificationError):
        verifier_for("payamgostar", VerifierConfig())(_call(method, query, body))


def _sign(body: bytes, token: str) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def test_quickbooks_checks_the_hmac_of_the_raw_body_before_reading_it():
    verify = verifier_for("quickbooks", VerifierConfig(secret="verifier-token"))
    body = json.dumps({"eventNotifications": [{"realmId": "310687", "dataChangeEvent": {"entities": [
        {"id": "1234", "operation": "Create", "name": "Customer", "lastUpdated": "2025-09-08T20:52:31.657Z"}]}}]})
    raw = body.encode()
    (event,) = verify(_call("POST", body=raw, headers={"intuit-signature": _sign(raw, "verifier-token")}))
    assert (event.event, event.type, event.record_id) == ("Create", "Customer", "1234")
    with pytest.raises(VerificationError) as caught:
        tampered = raw.replace(b"1234", b"9999")
        verify(_call("POST", body=tampered, headers={"intuit-signature": _sign(raw, "verifier-token")}))
    assert caught.value.status == 401
    with pytest.raises(VerificationError):
        verify(_call("POST", body=raw, headers={"intuit-signature": _sign(raw, "another")}))
    with pytest.raises(VerificationError):
        verify(_call("POST", body=raw))


def test_quickbooks_cloudevents_are_read_too():
    verify = verifier_for("quickbooks", VerifierConfig(secret="k"))
    raw = json.dumps([{"specversion": "1.0", "id": "88cd", "type": "qbo.customer.updated.v1",
                       "intuitentityid": "77", "intuitaccountid": "310687", "data": {}}]).encode()
    (event,) = verify(_call("POST", body=raw, headers={"intuit-signature": _sign(raw, "k")}))
    assert (event.type, event.record_id, event.event) == ("Customer", "77", "Updated")


def test_zoho_checks_the_channels_token_and_id():
    verify = verifier_for("zoho", VerifierConfig(secret="TOKEN_FOR_VERIFICATION", channel_id="1000000068001"))
    body = {"server_time": 1, "module": "Contacts", "resource_uri": "x", "ids": ["5725767000000524157"],
            "operation": "update", "channel_id": "1000000068001", "token": "TOKEN_FOR_VERIFICATION"}
    (event,) = verify(_call("POST", body=json.dumps(body).encode()))
    assert (event.type, event.record_id, event.event) == ("Contacts", "5725767000000524157", "Update")
    for wrong in ({"token": "guess"}, {"channel_id": "1"}):
        with pytest.raises(VerificationError):
            verify(_call("POST", body=json.dumps({**body, **wrong}).encode()))


def test_the_test_record_id_marks_a_test_event_for_every_kind():
    (event,) = verifier_for("payamgostar", VerifierConfig())(_call(query=f"event=Update&id={TEST_ID}&type=Test"))
    assert event.test
