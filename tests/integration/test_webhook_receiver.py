"""The receiver over real HTTP on 127.0.0.1 with a real state store and a recording sync: paths, sources,
rates, verification per kind, the test event and the event log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from erpsync_gui.app.webhooks.events import EventLog
from erpsync_gui.app.webhooks.listener import WebhookListener
from erpsync_gui.app.webhooks.probe import send_test_event
from erpsync_gui.app.webhooks.receiver import SyncOutcome, WebhookReceiver
from erpsync_gui.app.webhooks.settings import TOKEN_SECRET, WebhookSettings, path_token
from erpsync_gui.app.webhooks.verify import VerifierConfig, verifier_for
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store import webhook_queries
from erpsync_gui.store.config_repo import ConfigRepo

TOKEN = "t" * 43
GUID = "265d2327-64bd-4ac5-9fb9-22ae0e838539"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, entity: str, ids: list[str]) -> SyncOutcome:
        self.calls.append((entity, ids))
        return SyncOutcome(len(self.calls), "success")


@pytest.fixture
def profile_id(store) -> int:
    endpoint = EndpointConfig(Side.CRM, "payamgostar", "http://crm.example/", auth="session",
                              options={"username": "erpsync"})
    erp = EndpointConfig(Side.ERP, "siagh", "http://erp.example/", auth="session", options={"username": "erpsync"})
    saved = ConfigRepo(store).save_profile(ProfileConfig("p", endpoint, erp))
    return saved.id


@pytest.fixture
def serve(store, profile_id) -> Iterator:
    started: list[WebhookListener] = []

    def start(kind: str = "payamgostar", secret: str | None = None, **settings) -> tuple[WebhookListener, Recorder]:
        config = WebhookSettings(kind=kind, debounce_s=0, **settings)
        recorder = Recorder()
        receiver = WebhookReceiver(config, token=TOKEN, verifier=verifier_for(kind, VerifierConfig(secret=secret)),
                                   events=EventLog(store, profile_id, kind=kind), sync=recorder)
        listener = WebhookListener(receiver, config, port=0).start()
        started.append(listener)
        return listener, recorder

    yield start
    for listener in started:
        listener.stop()


def _get(listener: WebhookListener, query: str, token: str = TOKEN) -> httpx.Response:
    return httpx.get(f"{listener.url(token)}?{query}", timeout=10)


def test_a_call_to_another_path_is_not_found_and_not_logged(serve, store, profile_id):
    listener, recorder = serve()
    assert _get(listener, f"event=Update&id={GUID}&type=Quote", token="guessed" * 5).status_code == 404
    assert httpx.get(listener.url(TOKEN).rsplit("/", 1)[0], timeout=10).status_code == 404
    assert webhook_queries.events(store, profile_id) == [] and recorder.calls == []


def test_an_event_is_logged_queued_and_synced_through_the_only_path(serve, store, profile_id):
    listener, recorder = serve()
    reply = _get(listener, f"event=Insert&id={GUID}&type=Quote&subtype=%D9%BE%DB%8C%D8%B4")
    assert reply.status_code == 200 and reply.json()["events"][0]["status"] == "queued"
    assert listener.receiver.wait_idle(10)
    assert recorder.calls == [("orders", [GUID])]
    (event,) = webhook_queries.events(store, profile_id)
    assert (event.status, event.run_id, event.subtype, event.source) == ("synced", 1, "پیش", "127.0.0.1")
    assert event.detail == "run 1: success"


def test_a_type_nothing_syncs_is_logged_as_ignored(serve, store, profile_id):
    listener, recorder = serve()
    assert _get(listener, f"event=Update&id={GUID}&type=Ticket").status_code == 200
    (event,) = webhook_queries.events(store, profile_id)
    assert event.status == "ignored" and "Ticket" in event.detail and recorder.calls == []


def test_a_malformed_call_is_refused_with_its_reason_logged(serve, store, profile_id):
    listener, _recorder = serve()
    assert _get(listener, "event=Update&id=../../x&type=Identity").status_code == 400
    (event,) = webhook_queries.events(store, profile_id)
    assert event.event == "refused" and "record id" in event.detail


def test_a_source_over_the_rate_limit_is_told_to_wait(serve):
    listener, _recorder = serve(rate_per_minute=2)
    answers = [_get(listener, f"event=Update&id={GUID}&type=Identity").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_the_test_event_of_each_kind_is_verified_and_logged_not_synced(serve, store, profile_id):
    for kind, secret in (("payamgostar", None), ("quickbooks", "verifier-token"), ("zoho", "zoho-channel-token")):
        listener, recorder = serve(kind=kind, secret=secret)
        result = send_test_event(listener.url(TOKEN), kind, secret=secret)
        assert result.ok and result.status == 200 and result.event_status == "ignored", (kind, result)
        assert "test event" in result.message and recorder.calls == []
    assert [e.kind for e in webhook_queries.events(store, profile_id)] == ["zoho", "quickbooks", "payamgostar"]


def test_a_badly_signed_test_event_is_reported_as_refused(serve):
    listener, _recorder = serve(kind="quickbooks", secret="right")
    result = send_test_event(listener.url(TOKEN), "quickbooks", secret="wrong")
    assert not result.ok and result.status == 401 and "intuit-signature" in result.message


def test_a_receiver_that_is_not_running_is_reported(serve):
    listener, _recorder = serve()
    url = listener.url(TOKEN)
    listener.stop()
    result = send_test_event(url, "payamgostar")
    assert not result.ok and result.status is None and "cannot be reached" in result.message


def test_a_signed_notification_syncs_what_it_names(serve):
    listener, recorder = serve(kind="quickbooks", secret="k", entities={"Customer": "clients"})
    body = json.dumps({"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [
        {"id": "42", "operation": "Update", "name": "Customer"}]}}]}).encode()
    signature = base64.b64encode(hmac.new(b"k", body, hashlib.sha256).digest()).decode()
    reply = httpx.post(listener.url(TOKEN), content=body, headers={"intuit-signature": signature}, timeout=10)
    assert reply.status_code == 200 and listener.receiver.wait_idle(10)
    assert recorder.calls == [("clients", ["42"])]


def test_events_left_queued_by_a_stopped_process_are_synced_at_start(store, profile_id):
    log = EventLog(store, profile_id, kind="payamgostar")
    left = webhook_queries.add_event(store, profile_id, at=log.clock(), source="127.0.0.1", kind="payamgostar",
                                     event="Update", status="queued", entity="clients", record_id=GUID)
    recorder = Recorder()
    receiver = WebhookReceiver(WebhookSettings(debounce_s=0), token=TOKEN, events=log, sync=recorder,
                               verifier=verifier_for("payamgostar", VerifierConfig()))
    receiver.start()
    try:
        assert receiver.wait_idle(10)
    finally:
        receiver.stop()
    assert recorder.calls == [("clients", [GUID])]
    assert webhook_queries.events(store, profile_id)[0].id == left
    assert webhook_queries.events(store, profile_id)[0].status == "synced"


def test_settings_default_to_loopback_and_a_lan_address_is_warned_about(caplog, store, profile_id):
    assert WebhookSettings().host == "127.0.0.1" and WebhookSettings().is_loopback()
    lan = WebhookSettings(host="0.0.0.0", port=1)
    receiver = WebhookReceiver(lan, token=TOKEN, events=EventLog(store, profile_id, kind="payamgostar"),
                               sync=Recorder(), verifier=verifier_for("payamgostar", VerifierConfig()))
    listener = WebhookListener(receiver, lan, port=0)
    with caplog.at_level(logging.WARNING, logger="erpsync.webhooks"):
        listener.start()
        listener.stop()
    assert any("other machines can reach" in r.getMessage() for r in caplog.records)
    assert not any(TOKEN in r.getMessage() for r in caplog.records)
    with pytest.raises(ConfigError, match=r"webhook\.allow"):
        WebhookSettings.from_options({"allow": ["not-a-network"]})


def test_the_path_token_is_made_once_and_kept_in_the_keyring():
    secrets = SecretStore()
    first = path_token(secrets, "p")
    assert len(first) >= 40 and path_token(secrets, "p") == first
    assert secrets.get("p", Side.CRM, TOKEN_SECRET) == first


@pytest.mark.parametrize(("failed", "statuses", "note"), [
    (2, ["failed", "failed"], None),
    (1, ["synced", "synced"], "1 of 2 records failed (see Errors)"),
])
def test_events_of_records_that_failed_in_their_run_say_so(store, profile_id, failed, statuses, note):
    log = EventLog(store, profile_id, kind="payamgostar")
    ids = [webhook_queries.add_event(store, profile_id, at=log.clock(), source="127.0.0.1", kind="payamgostar",
                                     event="Update", status="queued", entity="orders", record_id=record)
           for record in (GUID, "quote-2")]
    receiver = WebhookReceiver(WebhookSettings(debounce_s=0), token=TOKEN, events=log,
                               sync=lambda entity, records: SyncOutcome(7, "partial", None, failed=failed),
                               verifier=verifier_for("payamgostar", VerifierConfig()))
    receiver.dispatch([(("orders", GUID), [ids[0]]), (("orders", "quote-2"), [ids[1]])])
    events = webhook_queries.events(store, profile_id)
    assert [e.status for e in events] == statuses and all(e.run_id == 7 for e in events)
    assert all((note in e.detail) if note else "records failed" not in e.detail for e in events)
