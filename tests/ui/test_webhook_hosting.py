"""The desktop app hosts the active profile's receiver and poll (the same wiring as the headless service):
a real Qt event loop offscreen, real HTTP calls to the receiver, stopped on quit."""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from erpsync_gui.app.webhooks.host import ERROR, LISTENING, OFF, STOPPED
from erpsync_gui.store import webhook_queries
from erpsync_gui.ui.webhook_hosting import start_webhooks
from tests.ui.webhook_fixtures import NAME

WAIT_MS = 20_000


def _get(url: str, **query: str) -> int:
    with urllib.request.urlopen(f"{url}?{urllib.parse.urlencode(query)}", timeout=10) as reply:
        return reply.status


def _linked(office) -> tuple[str, int]:
    code = office.erp.add_contact(Name="مشتری نخست", TowardType=False)
    person = office.crm.add_person(nickName="مشتری نخست", customerNumber=f"100-{code + 1000}")
    first = office.service.sync("clients", profile_name=NAME, approved=True)  # the initial import
    assert first.status == "success" and first.counts["linked"] == 1, first.message
    return person, code


def test_the_active_profiles_receiver_runs_with_the_app_syncs_a_real_call_and_stops_on_quit(office, qtbot):
    office.save()
    person, code = _linked(office)
    host = start_webhooks(office.ctx, poll=False)
    assert host is not None and host.state.state == STOPPED  # no profile chosen yet

    office.ctx.profile.select(NAME)  # as the window does at start: the receiver follows the signal
    state = host.state
    assert state.state == LISTENING and state.url.startswith(f"http://127.0.0.1:{office.port}/webhook/crm/")

    office.crm.edit(person, nickName="نام تازه")
    assert _get(state.url, event="Update", id=person, type="Identity", subtype="مخاطب حقیقی siagh") == 200
    profile_id = office.service.profile(NAME).id
    qtbot.waitUntil(lambda: webhook_queries.events(office.service.store, profile_id)[0].status == "synced",
                    timeout=WAIT_MS)
    assert office.erp.contact(code)["Name"] == "نام تازه"

    host.stop()  # what app.py does on quit
    assert host.state.state == STOPPED
    with pytest.raises(urllib.error.URLError):
        _get(state.url, event="Update", id=person, type="Identity", subtype="x")


def test_the_poll_catches_an_edit_whose_webhook_was_lost(office, qtbot):
    office.save(poll_minutes=0.001)
    person, code = _linked(office)
    office.ctx.profile.select(NAME)
    start_webhooks(office.ctx)

    office.crm.edit(person, email="lost@example.ir")  # the fake sends no webhook: the event is lost
    qtbot.waitUntil(lambda: office.erp.contact(code)["Email"] == "lost@example.ir", timeout=WAIT_MS)


def test_another_profile_stops_the_receiver_and_a_port_in_use_is_an_error_with_its_message(office, qtbot):
    office.save()
    office.save("quiet", enabled=False)
    office.ctx.profile.select(NAME)
    host = start_webhooks(office.ctx, poll=False)
    url = host.state.url
    assert host.state.state == LISTENING

    office.ctx.profile.select("quiet")
    assert host.state.state == OFF and host.state.profile == "quiet"
    with pytest.raises(urllib.error.URLError):
        _get(url, event="Update", id="x", type="Identity")

    office.save(port=office.port)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", office.port))
        taken.listen()
        office.ctx.profile.select(NAME)
        assert host.state.state == ERROR and str(office.port) in host.state.message
    office.ctx.profile.saved.emit(NAME)  # saved again: started again, the port now free
    assert host.state.state == LISTENING
