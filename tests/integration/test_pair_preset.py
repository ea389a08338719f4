"""The payamgostar-siagh preset end to end against the fakes: a profile made by `erpsync profile new`, its
secrets stored by `erpsync secret set`, no hand edits. The initial import, then the CRM as the source of
truth through the receiver (the same wiring as the hosts) and the poll."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from erpsync_gui.app.pair_presets import PAIR_PRESETS, PresetInputs, overlay, preset_for, preset_named
from erpsync_gui.app.service import SyncService
from erpsync_gui.app.webhooks.listener import WebhookListener
from erpsync_gui.app.webhooks.wiring import build_listener, build_poller
from erpsync_gui.cli import main
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Direction
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store import webhook_queries
from erpsync_gui.store.db import Store, open_store
from erpsync_gui.store.models import LinkRow
from erpsync_gui.store.queries import grouped_errors
from tests.fakes.payamgostar import PayamgostarFake
from tests.fakes.siagh import SiaghFake

NAME = "office"


def cli(data_dir, *args: str, stdin: str | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", NAME, *args])


@dataclass
class Site:
    crm: PayamgostarFake
    erp: SiaghFake
    data_dir: object
    store: Store | None = None
    service: SyncService | None = None
    listener: WebhookListener | None = None

    def open(self) -> SyncService:
        self.store = open_store(None, data_dir=self.data_dir)
        self.service = SyncService(self.store, SecretStore(), self.data_dir, time_gate_s=0)
        return self.service

    def listen(self) -> WebhookListener:
        assert self.service is not None
        self.listener, token = build_listener(self.service, NAME, port=0)
        self.listener.start()
        self.crm.webhook_url = self.listener.url(token)
        self.crm.webhooks_enabled = True
        return self.listener

    def settle(self) -> None:
        assert self.listener is not None
        self.crm.wait_webhooks()
        assert self.listener.receiver.wait_idle(15)

    def link_of(self, entity: str, crm_id: str) -> LinkRow | None:
        assert self.store is not None
        with self.store.session() as session:
            return session.scalars(select(LinkRow).where(LinkRow.entity == entity, LinkRow.crm_id == crm_id)).first()


@pytest.fixture
def site(tmp_path, monkeypatch, capsys) -> Iterator[Site]:
    crm, erp = PayamgostarFake().start(), SiaghFake().start()
    crm.webhooks_enabled = False
    made = Site(crm, erp, tmp_path)
    code = cli(tmp_path, "profile", "new", NAME, "--preset", "payamgostar-siagh", "--crm-url", crm.url,
               "--crm-user", crm.username, "--erp-url", erp.url, "--erp-user", erp.username,
               "--erp-option", "pre_invoice.codemarkazforush=5", "--erp-option", "pre_invoice.codevaseteh=31")
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"erpsync --profile {NAME} secret set crm.password" in out and "erp.password" in out
    assert "crm.webhook.host" in out and "erp.pre_invoice.codevaseteh" not in out
    assert cli(tmp_path, "secret", "set", "crm.password", stdin=crm.password, monkeypatch=monkeypatch) == 0
    assert cli(tmp_path, "secret", "set", "erp.password", stdin=erp.password, monkeypatch=monkeypatch) == 0
    yield made
    if made.listener is not None:
        made.listener.stop()
    if made.service is not None:
        made.service.close()
    if made.store is not None:
        made.store.close()
    crm.stop()
    erp.stop()


def _initial_import(site: Site, capsys) -> tuple[int, int, str]:
    """Finance holds two customers, the CRM one of them (by its customer number): the first sync imports."""
    known = site.erp.add_contact(Name="شركة كاوه یکتا", NationalCode="0493349650", TowardType=False)
    only_finance = site.erp.add_contact(Name="فروشگاه قطعه و عدد", Email="shop@example.ir", TowardType=True)
    person = site.crm.add_person(nickName="شركة كاوه یکتا", customerNumber=f"100-{known + 1000}",
                                 nationalCode="0493349650")
    capsys.readouterr()
    assert cli(site.data_dir, "sync", "-e", "clients") == 3  # a first sync shows its preview and waits
    assert site.crm.identities.keys() == {person} and "import" in capsys.readouterr().out
    assert cli(site.data_dir, "sync", "-e", "clients", "--yes") == 0, capsys.readouterr()
    return known, only_finance, person


def test_the_initial_import_links_the_existing_customer_and_brings_the_other_into_the_crm(site, capsys):
    known, only_finance, person = _initial_import(site, capsys)
    assert "clients (import)" in capsys.readouterr().out

    site.open()
    assert site.link_of("clients", person).erp_id == str(known)
    (imported,) = [r for r in site.crm.identities.values() if r["crmId"] != person]
    assert imported["nickName"] == "فروشگاه قطعه و عدد"  # byte-exact, Persian ی and ک kept
    assert imported["customerNumber"] == f"100-{only_finance + 1000}" and imported["_kind"] == "organization"
    assert site.link_of("clients", imported["crmId"]).erp_id == str(only_finance)
    assert site.erp.saves("2BFDA") == []  # the import wrote nothing to Finance

    # once linked, the entity runs CRM -> Finance: the import is not made again
    again = site.service.sync("clients", profile_name=NAME)
    assert again.direction is Direction.EXPORT and again.counts["inserted"] == 0


def test_a_finance_edit_is_skipped_not_looped_back_and_a_crm_edit_reaches_finance_by_webhook(site, capsys):
    known, _only_finance, person = _initial_import(site, capsys)
    site.open()
    site.listen()

    site.erp.edit_contact(known, Name="ویرایش در مالی")
    polled = build_poller(site.service, NAME).run_now()
    assert [(p.entity, p.status) for p in polled] == [("clients", "success"), ("orders", "success")]
    assert site.crm.identity(person)["nickName"] == "شركة كاوه یکتا"  # the Finance edit never reaches the CRM
    assert site.erp.saves("2BFDA") == []  # and nothing was written back to Finance

    site.crm.edit(person, nickName="شرکت کاوه یکتا نو", email="kaveh@example.ir")
    site.settle()  # the receiver's dispatcher has synced it: no poll, no run started by hand
    assert site.erp.contact(known)["Name"] == "شرکت کاوه یکتا نو"  # the CRM wins over the Finance edit
    assert site.erp.contact(known)["Email"] == "kaveh@example.ir"
    (event, *_rest) = webhook_queries.events(site.store, site.service.profile(NAME).id)
    assert (event.entity, event.record_id, event.status) == ("clients", person, "synced")
    assert site.crm.identity(person)["nickName"] == "شرکت کاوه یکتا نو"


def test_a_quote_of_a_customer_not_linked_fails_clearly_and_is_retried_after_the_next_client_sync(site, capsys):
    known, _only_finance, person = _initial_import(site, capsys)
    site.open()
    stranger = site.crm.add_person(nickName="مشتری تازه", customerNumber="100-9001")  # no webhook: not synced
    site.listen()

    quote = site.crm.add_quote(stranger, [
        {"productCode": "P-1", "productName": "محصول", "unit": "عدد", "count": 2, "baseUnitPrice": 1000}],
        subject="پیش فاکتور")
    site.settle()
    assert site.erp.pre_invoices == []
    (event, *_rest) = webhook_queries.events(site.store, site.service.profile(NAME).id)
    assert (event.entity, event.record_id, event.status) == ("orders", quote, "failed"), event.detail
    failed = site.service.sync("orders", profile_name=NAME)  # a whole run retries it, still unlinked
    assert failed.counts["failed"] == 1
    (group,) = grouped_errors(site.store, site.service.profile(NAME).id)
    assert group.entity == "orders" and quote in group.crm_ids
    assert f"client {stranger} is not synced yet" in group.message, group.message

    polled = build_poller(site.service, NAME).run_now()  # clients first, then the quote again
    assert [p.entity for p in polled] == ["clients", "orders"]
    (pre_invoice,) = site.erp.pre_invoices
    twin = site.link_of("clients", stranger)
    assert twin is not None and pre_invoice["header"]["codemoshtari"] == twin.erp_id
    assert [(r["codekala"], r["nameunit"], r["qty"]) for r in pre_invoice["rows"]] == [("P-1", "عدد", 2)]
    assert site.link_of("orders", quote).erp_id == str(pre_invoice["id"])
    assert known and person


def test_the_registry_finds_the_preset_by_name_and_by_its_pair():
    assert preset_for("payamgostar", "siagh") is PAIR_PRESETS["payamgostar-siagh"]
    assert preset_for("siagh", "payamgostar") is None
    with pytest.raises(ConfigError, match="no preset 'nope'"):
        preset_named("nope")
    profile = preset_named("payamgostar-siagh").build(PresetInputs("p", "http://crm", "u", "http://erp", "v",
                                                                   crm_options={"webhook.host": "192.168.1.5"}))
    assert profile.crm.options["webhook"]["host"] == "192.168.1.5" and profile.crm.options["webhook"]["enabled"]
    assert profile.crm.options["webhook"]["poll_minutes"] == 5
    assert overlay({"a": {"b": 1}}, {"a.c": 2}) == {"a": {"b": 1, "c": 2}}


def test_the_one_time_import_survives_the_profile_file():
    from erpsync_gui.app.config_file import dump_profile, loads_profile

    profile = preset_named("payamgostar-siagh").build(PresetInputs("p", "http://crm", "u", "http://erp", "v"))
    text = dump_profile(profile)
    assert 'first_direction = "import"' in text
    again = loads_profile(text, "toml")
    assert again.entity("clients").first_direction is Direction.IMPORT
    assert again.entity("orders").first_direction is None
