"""Sending a test event to the running receiver and saying what happened (the window's "send a test event").

The event is signed or tokened as its kind's real calls are, names the reserved test record id, and is
logged by the receiver as a test: nothing is synced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from erpsync_gui.app.webhooks.verify import TEST_ID
from erpsync_gui.errors import ConnectorError, ERPSyncError
from erpsync_gui.http import HttpClient, HttpSettings


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    #: the receiver's HTTP status (None when it could not be reached)
    status: int | None
    message: str
    event_id: int | None = None
    event_status: str | None = None


def send_test_event(url: str, kind: str = "payamgostar", *, secret: str | None = None, channel_id: str | None = None,
                    timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> ProbeResult:
    """Send one test event to `url` (the receiver's address with its path token) and report the answer."""
    method, query, body, headers = _request(kind, secret, channel_id)
    settings = HttpSettings(base_url=url, timeout=timeout, retries=0, name="the webhook receiver")
    try:
        with HttpClient(settings, transport=transport, secrets=[s for s in (secret, url.rsplit("/", 1)[-1]) if s]) \
                as client:
            response = client.request(method, url + query, content=body, headers=headers)
    except ConnectorError as exc:
        if exc.status is None:
            return ProbeResult(False, None, f"the receiver cannot be reached: {exc.message}")
        return ProbeResult(False, exc.status, f"the receiver refused the test event ({exc.status}): "
                                              f"{exc.details or exc.message}")
    except ERPSyncError as exc:
        return ProbeResult(False, None, f"the test event could not be sent: {exc}")
    try:
        events = response.json().get("events") or []
    except (ValueError, RecursionError, AttributeError):
        return ProbeResult(False, response.status_code, "the receiver answered, but not as an ERPSync receiver does")
    first = events[0] if events else {}
    return ProbeResult(True, response.status_code, f"the receiver got the test event: {first.get('detail') or 'ok'}",
                       first.get("id"), first.get("status"))


def _request(kind: str, secret: str | None, channel_id: str | None) -> tuple[str, str, bytes, dict[str, str]]:
    if kind == "payamgostar":
        query = urlencode({"event": "Update", "id": TEST_ID, "type": "Test", "subtype": "رویداد آزمایشی"})
        return "GET", f"?{query}", b"", {}
    if kind == "quickbooks":
        body = json.dumps({"eventNotifications": [{"realmId": "0", "dataChangeEvent": {"entities": [
            {"id": TEST_ID, "operation": "Update", "name": "Test"}]}}]}).encode("utf-8")
        signature = base64.b64encode(hmac.new((secret or "").encode("utf-8"), body, hashlib.sha256).digest())
        return "POST", "", body, {"intuit-signature": signature.decode("ascii"), "Content-Type": "application/json"}
    if kind == "zoho":
        body = json.dumps({"token": secret or "", "channel_id": channel_id or "", "module": "Test",
                           "operation": "update", "ids": [TEST_ID]}).encode("utf-8")
        return "POST", "", body, {"Content-Type": "application/json"}
    raise ValueError(f"no test event for {kind!r}")
