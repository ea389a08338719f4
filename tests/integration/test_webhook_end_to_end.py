"""End to end against the fakes: Payamgostar (CRM) sends its GET webhooks to the receiver, which syncs the
records through a real SyncService into Siagh (ERP). The field rows are written here by hand."""

from __future__ import annotations

import dataclasses
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from erpsync_gui.app.service import SyncService
from erpsync_gui.app.webhooks.listener import WebhookListener
from erpsync_gui.app.webhooks.wiring import build_listener, build_poller
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store import webhook_queries
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import LinkRow, RunRow
from tests.fakes.payamgostar import PayamgostarFake
from tests.fakes.siagh import SiaghFake

PROFILE = "pg-siagh"
CLIENT_ROWS = (
    {"crm": "nickName", "erp": "Name", "type": "text", "direction": "export"},
    {"crm": "customerNumber", "erp": "Code", "type": "text", "transform": ["remove_prefix:100-", "add:-1000"]},
    {"crm": "nationalCode", "erp": "NationalCode", "type": "text", "direction": "export"},
    {"crm": "email", "erp": "Email", "type": "text", "direction": "export"},
    {"crm": "identityType", "erp": "TowardType", "type": "picklist", "value_map": {"1": False, "2": True},
     "direction": "export"},
)
ORDER_ROWS = (
    {"crm": "identityId", "erp": "codemoshtari", "type": "lookup", "lookup": "clients", "direction": "export"},
    {"crm": "subject", "erp": "tozihat", "type": "text", "direction": "export"},
    {"crm": "details", "erp": "lines", "type": "lines", "direction": "export", "fields": [
        {"crm": "productCode", "erp": "codekala", "type": "text"},
        {"crm": "productUnitTypeName", "erp": "nameunit", "type": "text"},
        {"crm": "count", "erp": "qty", "type": "number"},
        {"crm": "baseUnitPrice", "erp": "price", "type": "number"},
        {"crm": "totalDiscount", "erp": "mabtakhfif", "type": "number"},
    ]},
)


@dataclasses.dataclass
class World:
    crm: PayamgostarFake
    erp: SiaghFake
    service: SyncService
    listener: WebhookListener
    token: str

    @property
    def receiver(self):
        return self.listener.receiver

    def settle(self) -> None:
        """Until every webhook sent has its answer and every queued event is synced."""
        self.crm.wait_webhooks()
        assert self.receiver.wait_idle(15)

    def events(self):
        return webhook_queries.events(self.service.store, self.service.profile(PROFILE).id)

    def runs(self) -> list[RunRow]:
        with self.service.store.session() as session:
            return list(session.scalars(select(RunRow).order_by(RunRow.id)))


def _profile(crm: PayamgostarFake, erp: SiaghFake, webhook: dict) -> ProfileConfig:
    crm_end = EndpointConfig(Side.CRM, "payamgostar", crm.url, auth="session", timeout=10, retries=0,
                             options={"username": crm.username, "webhook": webhook})
    erp_end = EndpointConfig(Side.ERP, "siagh", erp.url, auth="session", timeout=10, retries=0,
                             options={"username": erp.username,
                                      "pre_invoice": {"codemarkazforush": "5", "codevaseteh": "31"}})
    return ProfileConfig(PROFILE, crm_end, erp_end, entities=(
        EntityConfig("clients", direction=Direction.EXPORT, match_keys=("customerNumber",), fields=CLIENT_ROWS),
        EntityConfig("orders", direction=Direction.EXPORT, fields=ORDER_ROWS),
    ))


@pytest.fixture
def make_world(tmp_path) -> Iterator:
    opened: list[tuple] = []

    def make(**webhook) -> World:
        crm, erp = PayamgostarFake().start(), SiaghFake().start()
        store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        ConfigRepo(store).save_profile(_profile(crm, erp, {"debounce_s": 0, **webhook}))
        secrets = SecretStore()
        secrets.set(PROFILE, Side.CRM, "password", crm.password)
        secrets.set(PROFILE, Side.ERP, "password", erp.password)
        service = SyncService(store, secrets, tmp_path, time_gate_s=0)
        listener, token = build_listener(service, PROFILE, port=0)
        listener.start()
        crm.webhook_url = listener.url(token)
        crm.webhooks_enabled = True
        opened.append((crm, erp, store, service, listener))
        return World(crm, erp, service, listener, token)

    yield make
    for crm, erp, store, service, listener in opened:
        listener.stop()
        crm.stop()
        erp.stop()
        service.close()
        store.close()


def _linked_person(world: World, name: str = "مشتری نخست") -> tuple[str, int]:
    """A person in the CRM and its twin in Siagh, linked by the customer number by a first sync."""
    code = world.erp.add_contact(Name=name, NationalCode="0493349650", TowardType=False)
    world.crm.webhooks_enabled = False
    person = world.crm.add_person(nickName=name, customerNumber=f"100-{code + 1000}", nationalCode="0493349650")
    first = world.service.sync("clients", profile_name=PROFILE)
    assert first.status == "success" and first.counts["linked"] == 1, first.message
    world.crm.webhooks_enabled = True
    return person, code


def test_a_crm_edit_arrives_by_webhook_and_is_queued_and_synced(make_world):
    world = make_world()
    person, code = _linked_person(world)

    world.crm.edit(person, nickName="علي كريمي یکم")  # Arabic ي ك and Persian ی in one name
    world.settle()

    assert world.erp.contact(code)["Name"] == "علي كريمي یکم"
    (event, *_older) = world.events()
    assert (event.event, event.entity, event.record_id, event.status) == ("Update", "clients", person, "synced")
    assert event.subtype == "مخاطب حقیقی siagh" and event.run_id is not None
    run = world.runs()[-1]
    assert run.trigger == "webhook" and run.updated == 1 and run.id == event.run_id
    assert world.crm.webhooks[-1][1] == 200


def test_a_new_crm_identity_is_created_in_siagh_from_its_insert_event(make_world):
    world = make_world()
    organization = world.crm.add_organization(nickName="شرکت فولاد کاوه", email="info@example.ir")
    world.settle()

    (contact,) = [c for c in world.erp.contacts.values() if c["Name"] == "شرکت فولاد کاوه"]
    assert contact["TowardType"] is True and contact["Email"] == "info@example.ir"
    with world.service.store.session() as session:
        link = session.scalars(select(LinkRow).where(LinkRow.crm_id == organization)).one()
    assert link.erp_id == str(contact["Code"]) and link.state == "synced"


def test_a_webhook_from_a_source_not_allowed_is_refused_and_logged(make_world):
    world = make_world(allow=["10.1.2.3"])
    person = world.crm.add_person(nickName="ناشناس")
    world.crm.wait_webhooks()

    assert world.crm.webhooks[-1][1] == 403
    (event,) = world.events()
    assert event.status == "ignored" and event.event == "refused" and "127.0.0.1" in event.detail
    assert event.record_id is None  # a refused call's claims are not taken up
    assert world.erp.saves("2BFDA") == [] and world.runs() == []
    assert person  # the CRM has it; only a poll would sync it


def test_a_replayed_event_and_a_rapid_duplicate_are_de_duplicated(make_world):
    world = make_world(debounce_s=600)  # nothing syncs before the test flushes
    person, code = _linked_person(world)
    runs_before = len(world.runs())

    world.crm.edit(person, nickName="نام یک")
    world.crm.edit(person, nickName="نام دو")  # a second event for the same record, moments later
    world.crm.wait_webhooks()
    assert world.receiver.flush() == 1
    assert world.erp.contact(code)["Name"] == "نام دو"  # the record itself is fetched: the newest state
    assert len(world.runs()) == runs_before + 1

    replay = world.crm.webhooks[-1][0]
    with urllib.request.urlopen(replay, timeout=10) as reply:  # the same call delivered again
        assert reply.status == 200
    assert world.receiver.flush() == 0
    statuses = [(e.status, e.duplicate_of is not None) for e in world.events()]
    assert statuses == [("ignored", True), ("ignored", True), ("synced", False)]
    assert len(world.runs()) == runs_before + 1 and len(world.erp.saves("2BFDA")) == 1


def test_polling_catches_an_edit_whose_event_was_lost(make_world):
    world = make_world()
    person, code = _linked_person(world)
    world.crm.webhooks_enabled = False  # the event is lost

    world.crm.edit(person, email="lost@example.ir")
    assert world.erp.contact(code)["Email"] is None

    poller = build_poller(world.service, PROFILE, entities=("clients",))
    assert poller.due()
    (result,) = poller.run_now()
    assert result.status == "success", result.message
    assert world.erp.contact(code)["Email"] == "lost@example.ir"
    assert not poller.due() and poller.seconds_left() > 299
    assert world.runs()[-1].trigger == "poll"


def test_a_quote_with_two_lines_becomes_a_pre_invoice_with_the_right_rows(make_world):
    world = make_world(dedupe_window_s=0)
    person, code = _linked_person(world)

    quote = world.crm.add_quote(person, [
        {"productCode": "Product-1", "productName": "محصول اول", "unit": "قطعه", "count": 1, "baseUnitPrice": 100000},
        {"productCode": "Product-2", "productName": "محصول دوم", "unit": "عدد", "count": 3, "baseUnitPrice": 25000,
         "totalDiscount": 5000},
    ], subject="پیش فاکتور فروش ۱۴۰۴")
    world.settle()

    (pre_invoice,) = world.erp.pre_invoices
    assert pre_invoice["header"]["codemoshtari"] == str(code) and pre_invoice["header"]["salmali"] == "1404"
    assert pre_invoice["header"]["tozihat"] == "پیش فاکتور فروش ۱۴۰۴"
    assert [(r["codekala"], r["nameunit"], r["qty"], r["price"], r["mabtakhfif"], r["radif"])
            for r in pre_invoice["rows"]] == [("Product-1", "قطعه", 1, 100000, 0, "1"),
                                              ("Product-2", "عدد", 3, 25000, 5000, "2")]
    with world.service.store.session() as session:
        link = session.scalars(select(LinkRow).where(LinkRow.crm_id == quote)).one()
    assert link.erp_id == str(pre_invoice["id"])

    # the CRM changes a field the mapping does not carry: the event syncs, but nothing is sent twice
    world.crm.edit(quote, description="یادداشت داخلی")
    world.settle()
    assert len(world.erp.pre_invoices) == 1
    assert world.events()[0].status == "synced" and world.runs()[-1].skipped == 1


def test_a_delete_event_is_checked_against_the_crm_and_not_synced(make_world):
    world = make_world()
    person, code = _linked_person(world)

    world.crm.delete(person)
    world.settle()

    (event, *_older) = world.events()
    assert event.event == "Delete" and event.status == "synced"
    assert "not found in their system" in event.detail and "deletes are not synced" in event.detail
    assert world.erp.contact(code)["Name"] == "مشتری نخست"  # the Siagh contact stays
