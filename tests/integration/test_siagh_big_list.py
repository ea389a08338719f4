"""3,700 contacts from Siagh's one unpaged reply, read without holding the reply (or the list) whole."""

from __future__ import annotations

import tracemalloc

import httpx

from erpsync_gui.connectors.siagh import SiaghConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.fakes.siagh import CONTACTS, SiaghFake

COUNT = 3700


def _reply_size(fake: SiaghFake) -> int:
    with httpx.Client(base_url=fake.url, timeout=30) as client:
        login = client.post("GeneralApi/LoginUser", json={"UserName": fake.username, "Password": _hash(fake.password)})
        reply = client.get(CONTACTS.lstrip("/"), headers={"Authorization": login.json()["SessionId"]})
        assert len(reply.json()) == COUNT
        return len(reply.content)


def _hash(password: str) -> str:
    from tests.fakes.siagh import md5_upper

    return md5_upper(password)


def test_3700_contacts_are_read_from_one_reply_in_pages_with_a_small_peak():
    with SiaghFake() as fake:
        fake.seed_contacts(COUNT)
        size = _reply_size(fake)
        endpoint = EndpointConfig(Side.ERP, "siagh", fake.url, auth="session", timeout=30, retries=0,
                                  options={"username": fake.username})
        connector = SiaghConnector(endpoint, {"password": fake.password})
        try:
            tracemalloc.start()
            seen, pages, last = 0, 0, None
            for page in connector.changes("clients", None, 100):
                seen += len(page.records)
                pages += 1
                last = page
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            connector.close()
    print(f"\n3700 Siagh contacts: reply {size / 1e6:.2f} MB, {pages} pages, "
          f"peak traced memory while reading {peak / 1e6:.2f} MB")
    assert seen == COUNT and pages == COUNT // 100 and last is not None and last.complete
    # holding the reply's bytes alone would take `size`; a page of parsed rows is far less
    assert peak < size
