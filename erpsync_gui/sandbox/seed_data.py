"""Deterministic, realistic demo data for the sandbox ERP.

Every entity draws from its own random.Random(f"{seed}:{entity}"), so the first n clients are the
same whatever the total count (the demo CRM relies on that to overlap by customer number). Names mix
Romanian diacritics, Persian script and German umlauts so every run exercises Unicode end to end.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from erpsync_gui.sandbox.storage import Storage

DEFAULT_SEED = 42
DEFAULT_COUNTS: dict[str, int] = {
    "currencies": 4,
    "units": 6,
    "warehouses": 3,
    "product_groups": 8,
    "client_groups": 4,
    "clients": 300,
    "contacts": 450,
    "leads": 120,
    "projects": 60,
    "tickets": 90,
    "products": 80,
    "stock": 240,
    "discount_grids": 12,
    "invoices": 200,
    "orders": 60,
    "payments": 150,
}

CURRENCIES = [
    {"id": 1, "code": "RON", "name": "Leu românesc", "symbol": "lei"},
    {"id": 2, "code": "EUR", "name": "Euro", "symbol": "€"},
    {"id": 3, "code": "USD", "name": "US Dollar", "symbol": "$"},
    {"id": 4, "code": "IRR", "name": "ریال ایران", "symbol": "﷼"},
]
UNITS = [("buc", "Bucată"), ("kg", "Kilogram"), ("m", "Metru"), ("h", "Oră"), ("l", "Litru"), ("set", "Set")]
WAREHOUSES = [("DEP-BV", "Depozit Brașov"), ("DEP-IS", "Depozit Iași"), ("LAGER-K", "Lager Köln"),
              ("ANBAR-T", "انبار تهران")]
PRODUCT_GROUPS = ["Hardware", "Software", "Servicii", "Consumabile", "Ersatzteile", "Größe XL",
                  "خدمات", "Licențe"]
CLIENT_GROUPS = ["Retail", "Distribuitori", "Großkunden", "مشتریان ویژه"]

FIRST_NAMES = ["Ștefan", "Ioana", "Andrei", "Mădălina", "Răzvan", "Țicu", "Jürgen", "Jörg", "Käthe",
               "Björn", "محمد", "زهرا", "علی", "مریم", "Elena", "Günther"]
LAST_NAMES = ["Popescu", "Ionescu", "Țurcanu", "Mureșan", "Müller", "Schröder", "Weiß", "Köhler",
              "رضایی", "احمدی", "کریمی", "Dumitrașcu", "Stănescu", "Jäger"]
COMPANY_WORDS = ["Țară Nouă", "Carpați", "Dunărea", "Brașoveana", "Müller & Söhne", "Bäckerei Köln",
                 "Größenwerk", "آرین", "پارس", "نوین", "Someș", "Bucovina", "Alpen Straße"]
COMPANY_FORMS = ["SRL", "SA", "GmbH", "AG", "PFA"]
PLACES = [("Brașov", "BV", "RO", "500001"), ("Iași", "IS", "RO", "700001"),
          ("Timișoara", "TM", "RO", "300001"), ("București", "B", "RO", "010011"),
          ("Köln", "NRW", "DE", "50667"), ("München", "BY", "DE", "80331"), ("Tehran", "THR", "IR", "1136"),
          ("Isfahan", "ISF", "IR", "8174"), ("Constanța", "CT", "RO", "900001")]
STREETS = ["Strada Mureșului", "Bulevardul Ștefan cel Mare", "Calea Țării", "Königstraße", "Müllerweg",
           "خیابان ولیعصر", "Strada Brâncoveanu"]
PRODUCT_WORDS = ["Cablu", "Șurub", "Placă", "Schraube", "Größenadapter", "Licență", "Server", "Tastatură",
                 "Monitor", "Kühler", "کابل", "Rulment"]
LEAD_SOURCES = ["web", "referral", "fair", "phone", "partner"]
TICKET_SUBJECTS = ["Factura lipsă", "Livrare întârziată", "Lieferung beschädigt", "Întrebare despre preț",
                   "مشکل در سفارش", "Rücksendung", "Acces cont"]
BASE_DATE = date(2026, 1, 5)


def _money(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _int(rng: random.Random, low: int, high: int) -> int:
    """rng.randint without its argument checks: seeding 100,000 clients draws millions of these."""
    return low + int(rng.random() * (high - low + 1))


def _ref(rng: random.Random, n: int) -> int | None:
    return _int(rng, 1, n) if n else None


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _email(rng: random.Random, i: int, domain: str = "example.com") -> str:
    return f"user{i}.{_int(rng, 100, 999)}@{domain}"


def _phone(rng: random.Random) -> str:
    return f"+40 7{_int(rng, 10, 99)} {_int(rng, 100, 999)} {_int(rng, 100, 999)}"


def _day(rng: random.Random, spread: int = 300) -> date:
    return BASE_DATE + timedelta(days=_int(rng, 0, spread))


def _company(rng: random.Random) -> str:
    word = rng.choice(COMPANY_WORDS)
    if word in ("آرین", "پارس", "نوین"):
        return f"شرکت {word}"
    return f"{word} {rng.choice(COMPANY_FORMS)}"


def _lines(rng: random.Random, n_products: int) -> tuple[list[dict[str, Any]], str]:
    lines, total = [], Decimal("0")
    for _ in range(_int(rng, 1, 4)):
        qty = _int(rng, 1, 20)
        price = Decimal(_money(rng.uniform(5, 900)))
        rate = rng.choice([Decimal("19"), Decimal("9"), Decimal("0")])
        lines.append({"product_id": _ref(rng, n_products), "description": rng.choice(PRODUCT_WORDS),
                      "qty": str(qty), "unit_price": str(price), "tax_rate": str(rate)})
        total += qty * price * (1 + rate / 100)
    return lines, str(total.quantize(Decimal("0.01")))


def _clients(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        city, county, country, zip_code = rng.choice(PLACES)
        out.append({
            "id": i, "customer_number": f"C{i:05d}", "company": _company(rng),
            "vat": f"{country}{_int(rng, 10_000_000, 99_999_999)}",
            "email": _email(rng, i, "client.example"),
            "phone": _phone(rng), "address": f"{rng.choice(STREETS)} {_int(rng, 1, 200)}", "city": city,
            "county": county, "country": country, "zip": zip_code,
            "currency_id": {"RO": 1, "DE": 2, "IR": 4}.get(country, 3),
            "group_id": _ref(rng, c["client_groups"]), "active": rng.random() > 0.1,
        })
    return out


def _contacts(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        first, last = _person(rng)
        out.append({"id": i, "client_id": _ref(rng, c["clients"]), "first_name": first, "last_name": last,
                    "email": _email(rng, i, "contact.example"), "phone": _phone(rng),
                    "position": rng.choice(["Director", "Contabil", "Einkauf", "مدیر فروش", "Achiziții"]),
                    "is_primary": rng.random() < 0.3})
    return out


def _leads(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        first, last = _person(rng)
        out.append({"id": i, "name": f"{first} {last}", "company": _company(rng),
                    "email": _email(rng, i, "lead.example"), "phone": _phone(rng),
                    "source": rng.choice(LEAD_SOURCES),
                    "status": rng.choice(["new", "contacted", "qualified", "lost"]),
                    "value": _money(rng.uniform(500, 50_000))})
    return out


def _projects(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        start = _day(rng)
        out.append({"id": i, "client_id": _ref(rng, c["clients"]),
                     "name": f"Proiect {rng.choice(PRODUCT_WORDS)} {i}",
                     "status": rng.choice(["not_started", "in_progress", "on_hold", "finished"]),
                     "start_date": start.isoformat(),
                     "deadline": (start + timedelta(days=_int(rng, 14, 180))).isoformat(),
                     "budget": _money(rng.uniform(1_000, 120_000))})
    return out


def _tickets(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"id": i, "client_id": _ref(rng, c["clients"]), "subject": rng.choice(TICKET_SUBJECTS),
             "message": f"Vă rog verificați comanda {_int(rng, 1000, 9999)}. Grüße aus Köln.",
             "priority": rng.choice(["low", "medium", "high", "urgent"]),
             "status": rng.choice(["open", "answered", "closed"])} for i in range(1, n + 1)]


def _invoices(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        day = _day(rng)
        lines, total = _lines(rng, c["products"])
        out.append({"id": i, "number": f"INV-2026-{i:05d}", "client_id": _ref(rng, c["clients"]),
                    "date": day.isoformat(), "due_date": (day + timedelta(days=30)).isoformat(),
                    "currency_id": rng.choice([1, 1, 2, 3]),
                    "status": rng.choice(["draft", "unpaid", "paid", "overdue", "cancelled"]),
                    "lines": lines, "total": total})
    return out


def _products(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        word = rng.choice(PRODUCT_WORDS)
        prices = [{"currency_id": cur, "warehouse_id": wh, "price": _money(rng.uniform(3, 2_500))}
                  for cur in range(1, min(c["currencies"], 3) + 1)
                  for wh in range(1, min(c["warehouses"], 2) + 1)]
        out.append({"id": i, "sku": f"SKU-{i:05d}", "name": f"{word} {rng.choice(['Pro', 'Mini', 'XL'])} {i}",
                    "description": f"{word} — calitate germană, Größe {_int(rng, 1, 9)}",
                    "group_id": _ref(rng, c["product_groups"]), "unit_id": _ref(rng, c["units"]),
                    "prices": prices, "active": rng.random() > 0.05})
    return out


def _stock(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"id": i, "product_id": _ref(rng, c["products"]), "warehouse_id": _ref(rng, c["warehouses"]),
             "quantity": str(_int(rng, 0, 500))} for i in range(1, n + 1)]


def _discount_grids(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"id": i, "client_group_id": _ref(rng, c["client_groups"]),
             "product_group_id": _ref(rng, c["product_groups"]),
             "discount_percent": _money(rng.choice([2.5, 5, 7.5, 10, 15]))} for i in range(1, n + 1)]


def _orders(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        kind = rng.choice(["order", "proforma"])
        lines, total = _lines(rng, c["products"])
        out.append({"id": i, "number": f"{'ORD' if kind == 'order' else 'PRO'}-2026-{i:05d}",
                    "client_id": _ref(rng, c["clients"]), "type": kind, "date": _day(rng).isoformat(),
                    "currency_id": rng.choice([1, 2]), "lines": lines, "total": total})
    return out


def _payments(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"id": i, "invoice_id": _ref(rng, c["invoices"]), "date": _day(rng).isoformat(),
             "amount": _money(rng.uniform(10, 9_000)), "currency_id": rng.choice([1, 2]),
             "method": rng.choice(["bank_transfer", "card", "cash"])} for i in range(1, n + 1)]


Builder = Callable[[random.Random, int, Mapping[str, int]], list[dict[str, Any]]]


def _named(names: list[str]) -> Builder:
    def build(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
        return [{"id": i + 1, "name": names[i % len(names)] + ("" if i < len(names) else f" {i}")}
                for i in range(n)]

    return build


def _coded(items: list[tuple[str, str]]) -> Builder:
    def build(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
        out = []
        for i in range(n):
            code, name = items[i % len(items)]
            suffix = "" if i < len(items) else f"-{i}"
            out.append({"id": i + 1, "code": code + suffix, "name": name + suffix})
        return out

    return build


def _currencies(rng: random.Random, n: int, c: Mapping[str, int]) -> list[dict[str, Any]]:
    return [dict(cur) for cur in CURRENCIES[:n]]


BUILDERS: dict[str, Builder] = {
    "currencies": _currencies, "units": _coded(UNITS), "warehouses": _coded(WAREHOUSES),
    "product_groups": _named(PRODUCT_GROUPS), "client_groups": _named(CLIENT_GROUPS),
    "clients": _clients, "contacts": _contacts, "leads": _leads, "projects": _projects,
    "tickets": _tickets, "products": _products, "stock": _stock, "discount_grids": _discount_grids,
    "invoices": _invoices, "orders": _orders, "payments": _payments,
}


def resolve_counts(counts: Mapping[str, int] | None = None) -> dict[str, int]:
    """The defaults, overridden by `counts` (unknown entity names are refused)."""
    unknown = set(counts or {}) - set(DEFAULT_COUNTS)
    if unknown:
        raise ValueError(f"Unknown entities in seed counts: {', '.join(sorted(unknown))}")
    return {**DEFAULT_COUNTS, **(counts or {})}


def build(
    counts: Mapping[str, int] | None = None, seed: int = DEFAULT_SEED
) -> dict[str, list[dict[str, Any]]]:
    """Records of every entity (ids from 1, references consistent), without timestamps."""
    resolved = resolve_counts(counts)
    resolved["currencies"] = min(resolved["currencies"], len(CURRENCIES))
    return {entity: BUILDERS[entity](random.Random(f"{seed}:{entity}"), resolved[entity], resolved)
            for entity in BUILDERS}


def seed(
    storage: Storage, counts: Mapping[str, int] | None = None, rng_seed: int = DEFAULT_SEED
) -> dict[str, int]:
    """Fill `storage` with demo data (per-entity counts over the defaults); returns what was inserted."""
    return {entity: storage.insert_many(entity, docs) for entity, docs in build(counts, rng_seed).items()}


def overlap_clients(n: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The first n clients exactly as a seeded sandbox holds them (minus timestamps), so a demo CRM can
    share customer numbers and companies with the ERP."""
    counts = {**DEFAULT_COUNTS, "clients": max(n, 0)}
    return _clients(random.Random(f"{seed}:clients"), max(n, 0), counts)
