"""The demo CRM database: a SQLite file with a subset of stock Perfex 2.7.3 (plus the CRM module's columns)
that the demo profile syncs with the sandbox ERP.

Tables are defined in `demo_crm_schema`; as in Perfex none has an updated-at column, so the SQL connector
reads every entity whole and the engine compares checksums. The rows are the ones Perfex's own code would
have written: countries as tblcountries ids, invoices numbered from tbloptions with a prefix and a hash,
each client with one primary contact whose portal permissions are set, projects with their settings and
a member, tickets in a department with a random key. About 40 clients:
the `overlap` clients (ERP client dicts, passed in by the caller) share the ERP's customer numbers;
every fifth of them (`varied_overlap`) differs slightly in one mapped value (phone, spelling of the
company, address or the active flag), the others are identical, so a first import shows both links
and conflicts. The primary contact of an overlapping client carries the ERP client's e-mail.
Deterministic for a given seed (but for the random hashes and ticket keys); names mix Romanian
diacritics, Persian script and German umlauts.
"""

from __future__ import annotations

import random
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, create_engine, func, select
from sqlalchemy.engine import Engine

from erpsync_gui.sandbox import demo_crm_schema as s
from erpsync_gui.sandbox import demo_places as places
from erpsync_gui.sandbox.demo_crm_perfex import (
    COUNTRY_IDS,
    PREFIX,
    VAT_RATE,
    contact_permissions,
    project_settings,
    seed_reference_rows,
    write_options,
)
from erpsync_gui.sandbox.demo_crm_schema import create_schema

__all__ = ["create_demo_crm", "create_schema", "seed", "varied_overlap"]

CRM_ONLY_CLIENTS = 15
VARIED_EVERY = 5
BASE_TIME = datetime(2025, 9, 1, 8, 30)
FIRST = ["Ștefan", "Ioana", "Mădălina", "Răzvan", "Jürgen", "Käthe", "Björn", "Sören", "رضا", "نگار",
         "Cătălina", "Günter", "Anișoara", "مهدی"]
LAST = ["Pârvulescu", "Țăranu", "Mureșan", "Müller", "Schäfer", "Großmann", "حسینی", "محمدی", "Rădulescu",
        "Köster", "Șerban"]
COMPANIES = ["Agroindustria Vâlcea SRL", "Fabrica de Pâine Țara Bârsei SA", "Möbelhaus Dürr GmbH",
             "Brauerei Großwald AG", "بازرگانی آفتاب", "Cofetăria Dulcinică SRL", "Schlüsseldienst Jäger",
             "Transporturi Ialomița SA", "Gärtnerei Sönnichsen", "صنایع غذایی مهر", "Mobilă Bistrița SRL",
             "Viticola Dealu Mare SRL", "Bäckerei Öztürk", "Editura Ștefănescu SRL", "Küchenstudio Weiß"]
PLACES = [("Cluj-Napoca", "CJ", "RO", "400001", "Strada Memorandumului"),
          ("Sibiu", "SB", "RO", "550003", "Piața Mică"),
          ("Timișoara", "TM", "RO", "300006", "Bulevardul Revoluției din 1989"),
          ("Düsseldorf", "NRW", "DE", "40213", "Königsallee"),
          ("Nürnberg", "BY", "DE", "90402", "Hauptmarkt"),
          ("Shiraz", "FA", "IR", "71348", "خیابان زند")]
PRODUCTS = [("Cablu UTP Cat6 (rolă 305 m)", "rolă", "489.00"), ("Șurub autoforant 4,2x16", "buc", "0.35"),
            ("Schraubenset Edelstahl", "Set", "24.90"), ("Licență antivirus 1 an", "buc", "119.00"),
            ("Monitor 27\" IPS", "buc", "1099.00"), ("Kühlpaste 4 g", "Stück", "18.50"),
            ("کابل برق ۳ متری", "buc", "42.00"), ("Oră consultanță", "h", "250.00"),
            ("Tastatură mecanică ISO-RO", "buc", "389.00"), ("Rulment 6204-2RS", "buc", "21.40"),
            ("Größenadapter M12", "Stück", "7.80"), ("Instalare la client", "h", "180.00")]
TITLES = ["Director general", "Contabil-șef", "Einkäufer", "مدیر خرید"]
TICKETS = [("Factura lipsește din portal", "Nu găsesc factura din luna trecută."),
           ("Lieferung beschädigt", "Zwei Kartons kamen beschädigt an."),
           ("مشکل در ورود به حساب", "رمز عبور پذیرفته نمی‌شود."),
           ("Întrebare despre garanție", "Cât durează garanția la monitoare?"),
           ("Rücksendung Größenadapter", "Bitte um Rücksendeetikett.")]


def create_demo_crm(path: Path, overlap: list[dict], *, seed: int = 7) -> Path:
    """Create the demo CRM SQLite file at `path` unless it exists (then it is left as it is)."""
    path = Path(path)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{building}")
    try:
        create_schema(engine)
        _fill(engine, overlap, seed)
    finally:
        engine.dispose()
    building.replace(path)  # a half-built file never carries the real name
    return path


def varied_overlap(overlap: Sequence[Mapping[str, Any]]) -> list[str]:
    """Customer numbers of the overlapping clients the demo CRM holds slightly differently."""
    return [c["customer_number"] for i, c in enumerate(overlap) if i % VARIED_EVERY == VARIED_EVERY - 1]


def seed(engine: Engine, overlap: Sequence[Mapping[str, Any]], *, seed: int = 7) -> dict[str, int]:
    """Fill freshly created demo CRM tables (see `create_schema`); returns the row count per table."""
    return _fill(engine, overlap, seed)


def _fill(engine: Engine, overlap: Sequence[Mapping[str, Any]], seed_value: int) -> dict[str, int]:
    rng = random.Random(f"{seed_value}:demo-crm")
    with engine.begin() as conn:
        seed_reference_rows(conn)
        _insert(conn, s.COUNTIES_TABLE, [{"id": i, "code": c, "name": n} for i, c, n in places.COUNTIES])
        _insert(conn, s.LOCALITIES, [{"id": i, "county_id": c, "name": n} for i, c, n in places.LOCALITIES])
        currencies = _insert(conn, s.CURRENCIES, [
            {"symbol": "lei", "name": "RON", "decimal_separator": ",", "thousand_separator": ".",
             "placement": "after", "isdefault": 1},
            {"symbol": "€", "name": "EUR", "decimal_separator": ",", "thousand_separator": ".",
             "placement": "before", "isdefault": 0},
            {"symbol": "$", "name": "USD", "decimal_separator": ".", "thousand_separator": ",",
             "placement": "before", "isdefault": 0},
            {"symbol": "﷼", "name": "IRR", "decimal_separator": ".", "thousand_separator": ",",
             "placement": "after", "isdefault": 0}])
        # the same currency per country as the sandbox ERP, so overlapping clients agree
        by_country = {"RO": currencies[0], "DE": currencies[1], "IR": currencies[3]}
        groups = _insert(conn, s.CUSTOMERS_GROUPS, [{"name": n} for n in
                                                    ("VIP", "Distribuitori", "Großhandel", "مشتریان عمده")])
        # Perfex's converted-customer status (isdefault) first, then the statuses this company uses
        statuses = ("Client", "Nou", "Contactat", "Ofertă trimisă", "Pierdut")
        _insert(conn, s.LEADS_STATUS, [{"name": n, "statusorder": 1000 if i == 1 else i, "isdefault": int(i == 1)}
                                       for i, n in enumerate(statuses, 1)])
        _insert(conn, s.LEADS_SOURCES, [{"name": n} for n in ("Website", "Recomandare", "Messe", "Telefon")])
        item_groups = _insert(conn, s.ITEMS_GROUPS, [{"name": n}
                                                     for n in ("Hardware", "Servicii", "Zubehör")])
        items = _insert(conn, s.ITEMS, [
            {"description": name, "long_description": "", "unit": unit, "rate": Decimal(rate),
             "group_id": item_groups[i % 3], "tax": 1}
            for i, (name, unit, rate) in enumerate(PRODUCTS)])

        client_rows = [_overlap_client(c, i, by_country, rng) for i, c in enumerate(overlap)]
        client_rows += [_crm_client(j, by_country, rng) for j in range(1, CRM_ONLY_CLIENTS + 1)]
        clients = _insert(conn, s.CLIENTS, client_rows)
        _insert(conn, s.CUSTOMER_GROUPS, [{"groupid": rng.choice(groups), "customer_id": c}
                                          for c in clients if rng.random() < 0.4])
        primaries = _contacts(conn, clients, client_rows, overlap, rng)
        _leads(conn, rng)
        _projects(conn, clients, rng)
        _tickets(conn, clients, primaries, rng)
        next_invoice = _invoices(conn, clients, client_rows, currencies, items, rng)
        write_options(conn, next_invoice, 1)
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in s.METADATA.sorted_tables}


def _insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    return [conn.execute(table.insert().values(dict(row))).inserted_primary_key[0] for row in rows]


def _when(rng: random.Random, days: int = 200) -> datetime:
    return BASE_TIME + timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 600))


def _overlap_client(erp: Mapping[str, Any], i: int, by_country: Mapping[str, int],
                    rng: random.Random) -> dict[str, Any]:
    row = {"company": erp["company"], "vat": erp.get("vat"), "phonenumber": erp.get("phone"),
           "country": COUNTRY_IDS.get(str(erp.get("country")), 0), "city": erp.get("city"), "zip": erp.get("zip"),
           "state": erp.get("county") or erp.get("state"), "address": erp.get("address"),
           "website": erp.get("website"), "active": 1 if erp.get("active", True) else 0,
           "customer_number": erp["customer_number"], "datecreated": _when(rng),
           "default_currency": by_country.get(str(erp.get("country")), 0), "addedfrom": 1,
           "county_id": places.county_id(erp.get("county")), "locality_id": places.locality_id(erp.get("city"))}
    if i % VARIED_EVERY == VARIED_EVERY - 1:
        _vary(row, i // VARIED_EVERY, rng)
    return row


def _vary(row: dict[str, Any], k: int, rng: random.Random) -> None:
    """One small, realistic difference: a new phone, a company typed without diacritics, a moved
    address, or a client set inactive in the CRM."""
    kind = k % 4
    if kind == 0:
        row["phonenumber"] = f"+40 744 {rng.randint(100, 999)} {rng.randint(100, 999)}"
    elif kind == 1:
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", row["company"])
                        if not unicodedata.combining(ch))
        row["company"] = plain if plain != row["company"] else f"{row['company']} (sediu nou)"
    elif kind == 2:
        address = row.get("address") or "Strada Principală 1"
        row["address"] = re.sub(r"\d+$", lambda m: str(int(m.group()) + 2), address)
        if row["address"] == address:
            row["address"] = f"{address} bis"
    else:
        row["active"] = 0 if row["active"] else 1


def _crm_client(j: int, by_country: Mapping[str, int], rng: random.Random) -> dict[str, Any]:
    city, state, country, zip_code, street = rng.choice(PLACES)
    return {"company": COMPANIES[(j - 1) % len(COMPANIES)],
            "vat": f"{country}{rng.randint(1_000_000, 99_999_999)}" if rng.random() < 0.7 else None,
            "phonenumber": f"+40 2{rng.randint(10, 69)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
            "country": COUNTRY_IDS[country], "city": city, "zip": zip_code, "state": state,
            "address": f"{street} {rng.randint(1, 90)}", "website": f"https://client{j}.crm-demo.example",
            "datecreated": _when(rng), "active": 1, "default_currency": by_country.get(country, 0), "addedfrom": 1,
            "county_id": places.county_id(state), "locality_id": places.locality_id(city),
            # half of the CRM's own clients have no customer number yet (an export assigns one)
            "customer_number": f"CRM-{j:04d}" if j % 2 else None}


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _contacts(conn: Connection, clients: list[int], rows: list[dict[str, Any]],
              overlap: Sequence[Mapping[str, Any]], rng: random.Random) -> dict[int, int]:
    """A primary contact per client (overlaps get the ERP e-mail), a second one for every third; each with
    every portal permission, as Perfex's default contact permissions give."""
    contacts, owners = [], []
    for n, (client, row) in enumerate(zip(clients, rows, strict=True)):
        first, last = _person(rng)
        email = overlap[n]["email"] if n < len(overlap) and overlap[n].get("email") else \
            f"contact{n + 1}@crm-demo.example"
        for extra in (False, True) if n % 3 == 0 else (False,):
            if extra:
                first, last = _person(rng)
                email = f"contact{n + 1}.b@crm-demo.example"
            contacts.append({"userid": client, "is_primary": 0 if extra else 1, "firstname": first,
                             "lastname": last, "email": email, "phonenumber": row["phonenumber"] or "",
                             "title": rng.choice(TITLES), "datecreated": row["datecreated"],
                             "email_verified_at": row["datecreated"], "active": 1})
            owners.append((client, extra))
    ids = _insert(conn, s.CONTACTS, contacts)
    conn.execute(s.CONTACT_PERMISSIONS.insert(), contact_permissions(ids))
    return {client: cid for (client, extra), cid in zip(owners, ids, strict=True) if not extra}


def _leads(conn: Connection, rng: random.Random) -> None:
    rows = []
    for n in range(1, 21):
        first, last = _person(rng)
        city, state, country, zip_code, street = rng.choice(PLACES)
        added = _when(rng)
        rows.append({"hash": secrets.token_hex(16), "name": f"{first} {last}", "company": rng.choice(COMPANIES),
                     "title": "Achiziții",
                     "description": "Interesat de o ofertă anuală." if n % 2 else "Möchte ein Angebot.",
                     "country": COUNTRY_IDS[country], "city": city, "state": state, "zip": zip_code,
                     "address": f"{street} {n}", "dateadded": added, "status": rng.randint(2, 5),
                     "source": rng.randint(1, 4), "addedfrom": 1, "email": f"lead{n}@leads-demo.example",
                     "phonenumber": f"+40 73{n % 10} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                     "lead_value": Decimal(rng.randint(500, 40_000)),
                     "lastcontact": added + timedelta(days=2) if n % 3 == 0 else None})
    _insert(conn, s.LEADS, rows)


def _projects(conn: Connection, clients: list[int], rng: random.Random) -> None:
    rows = []
    for n, name in enumerate(("Implementare ERP", "Migrare server", "Website relansare", "Schulung Lager",
                              "Audit rețea", "پروژه انبار", "Digitalizare arhivă", "Kassensystem",
                              "Mentenanță anuală", "Instalare videoconferință"), 1):
        start = (BASE_TIME + timedelta(days=rng.randint(0, 120))).date()
        rows.append({"name": name, "description": f"{name} – etapa {n}", "status": rng.randint(1, 5),
                     "clientid": rng.choice(clients), "billing_type": rng.randint(1, 3), "start_date": start,
                     "deadline": start + timedelta(days=rng.randint(20, 120)), "project_created": start,
                     "progress": rng.choice([0, 25, 50, 80, 100]),
                     "project_cost": Decimal(rng.randint(20, 400)) * 100, "addedfrom": 1})
    projects = _insert(conn, s.PROJECTS, rows)
    conn.execute(s.PROJECT_SETTINGS.insert(), project_settings(projects))
    conn.execute(s.PROJECT_MEMBERS.insert(), [{"project_id": p, "staff_id": 1} for p in projects])


def _tickets(conn: Connection, clients: list[int], primaries: Mapping[int, int], rng: random.Random) -> None:
    rows = []
    for n in range(1, 16):
        client = rng.choice(clients)
        subject, message = TICKETS[n % len(TICKETS)]
        opened = _when(rng)
        reply = opened + timedelta(hours=rng.randint(1, 72)) if n % 4 else None
        rows.append({"userid": client, "contactid": primaries[client], "subject": subject, "message": message,
                     "department": 1, "priority": rng.randint(1, 3), "status": rng.randint(1, 5), "date": opened,
                     "ticketkey": secrets.token_hex(16), "lastreply": reply})
    _insert(conn, s.TICKETS, rows)


def _invoices(conn: Connection, clients: list[int], rows: list[dict[str, Any]], currencies: list[int],
              items: list[int], rng: random.Random) -> int:
    """Six invoices numbered INV-000001.. with 19% VAT on every line; every third one paid by a bank transfer.
    Returns the next invoice number."""
    catalogue = dict(zip(items, PRODUCTS, strict=True))
    number = 0
    for number in range(1, 7):
        n = rng.randrange(len(clients))
        lines = []
        for order in range(1, rng.randint(1, 4) + 1):
            name, unit, rate = catalogue[rng.choice(items)]
            lines.append({"rel_type": "invoice", "description": name, "long_description": "",
                          "qty": Decimal(rng.randint(1, 12)), "rate": Decimal(rate), "unit": unit,
                          "item_order": order})
        subtotal = sum((line["qty"] * line["rate"] for line in lines), Decimal("0"))
        tax = sum(((line["qty"] * line["rate"] * VAT_RATE / 100).quantize(Decimal("0.01")) for line in lines),
                  Decimal("0"))
        created = _when(rng)
        day: date = created.date()
        paid = number % 3 == 0
        invoice = {"clientid": clients[n], "number": number, "prefix": PREFIX, "number_format": 1,
                   "datecreated": created, "date": day, "duedate": day + timedelta(days=30),
                   "currency": rows[n]["default_currency"] or currencies[0], "subtotal": subtotal,
                   "total_tax": tax, "total": subtotal + tax, "adjustment": Decimal("0"), "addedfrom": 1,
                   "hash": secrets.token_hex(16), "status": 2 if paid else 1, "discount_type": "",
                   "include_shipping": 0}
        invoice_id = _insert(conn, s.INVOICES, [invoice])[0]
        line_ids = _insert(conn, s.ITEMABLE, [{**line, "rel_id": invoice_id} for line in lines])
        conn.execute(s.ITEM_TAX.insert(), [{"itemid": line_id, "rel_id": invoice_id, "rel_type": "invoice",
                                            "taxrate": VAT_RATE, "taxname": "TVA"} for line_id in line_ids])
        if paid:
            _insert(conn, s.PAYMENTS, [{"invoiceid": invoice_id, "amount": subtotal + tax, "paymentmode": "1",
                                        "date": day + timedelta(days=3), "daterecorded": created + timedelta(days=3),
                                        "note": "", "transactionid": f"TRX-{number:04d}"}])
    return number + 1
