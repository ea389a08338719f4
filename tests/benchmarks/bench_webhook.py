"""Benchmark: how long a CRM edit takes to reach Finance by webhook. The payamgostar-siagh preset against the
fakes, the receiver hosted as the desktop app hosts it, the preset's own debounce (2 s) and a Finance of
--contacts contacts (Siagh's list is read whole on every lookup). Prints the median and the slowest.

    python tests/benchmarks/bench_webhook.py [--edits 10] [--contacts 3700] [--debounce-s 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

import keyring  # noqa: E402

from tests.memory_keyring import MemoryKeyring  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--contacts", type=int, default=3700)
    parser.add_argument("--debounce-s", type=float, default=2.0)
    args = parser.parse_args(argv)
    keyring.set_keyring(MemoryKeyring())

    from erpsync_gui.app.pair_presets import PAYAMGOSTAR_SIAGH, PresetInputs
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.app.webhooks.host import WebhookHost
    from erpsync_gui.records import Side
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.config_repo import ConfigRepo
    from erpsync_gui.store.db import open_store
    from tests.fakes.payamgostar import PayamgostarFake
    from tests.fakes.siagh import SiaghFake

    crm, erp = PayamgostarFake().start(), SiaghFake().start()
    erp.seed_contacts(args.contacts)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        store = open_store(data_dir=data)
        service = SyncService(store, SecretStore(), data)
        profile = PAYAMGOSTAR_SIAGH.build(PresetInputs(
            "bench", crm.url, crm.username, erp.url, erp.username,
            crm_options={"webhook.debounce_s": args.debounce_s, "webhook.dedupe_window_s": 0},
            erp_options={"pre_invoice.codemarkazforush": "5", "pre_invoice.codevaseteh": "31"}))
        ConfigRepo(store).save_profile(profile)
        service.secrets.set("bench", Side.CRM, "password", crm.password)
        service.secrets.set("bench", Side.ERP, "password", erp.password)
        code = erp.add_contact(Name="مشتری سنجش", TowardType=False)
        person = crm.add_person(nickName="مشتری سنجش", customerNumber=f"100-{code + 1000}")
        started = time.perf_counter()
        service.sync("clients", profile_name="bench", approved=True)  # the initial import of every contact
        print(f"initial import of {args.contacts + 1} Finance contacts: {time.perf_counter() - started:.1f} s")
        host = WebhookHost(service, port=0, poll=False)
        state = host.follow("bench")
        crm.webhook_url, crm.webhooks_enabled = state.url, True
        took = []
        try:
            for number in range(args.edits):
                name = f"مشتری سنجش {number}"
                begun = time.perf_counter()
                crm.edit(person, nickName=name)
                while erp.contact(code)["Name"] != name:
                    if time.perf_counter() - begun > 120:
                        sys.exit(f"edit {number} did not reach Finance in 120 s")
                    time.sleep(0.01)
                took.append(time.perf_counter() - begun)
                time.sleep(service.time_gate_s + 0.5)  # past the loop guard's time gate, as edits by a person are
        finally:
            host.stop()
            service.close()
            store.close()
            crm.stop()
            erp.stop()
    print(f"CRM edit -> Finance by webhook, {args.edits} edits, debounce {args.debounce_s:g} s: "
          f"median {statistics.median(took):.2f} s, slowest {max(took):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
