"""The currency mapping {"<erp currency id>": <crm currency id>} and the price lists that depend on it.

The ERP keeps a product's prices as a list [{"currency_id": 1, "price": "12.50", ...}]; the CRM keeps
one number in one currency. The mapping says which ERP currency is which CRM currency.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from erpsync_gui.errors import ConfigError, CurrencyMappingError, MappingError
from erpsync_gui.mapping.types import ConversionError, natural_scalar, number_str, to_decimal, to_id


def validate_currency_mapping(obj: Any) -> dict[str, int | str]:
    """Check a currency mapping given as JSON text or a dict; returns {"<erp id>": <crm id>}."""
    if obj is None:
        return {}
    if isinstance(obj, str):
        if not obj.strip():
            return {}
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"currency mapping is not valid JSON: line {exc.lineno} col {exc.colno}",
                hint='write it as {"<ERP currency id>": <CRM currency id>}, e.g. {"1": 1, "2": 3}',
            ) from None
    if not isinstance(obj, Mapping):
        raise ConfigError(
            f"currency mapping must be an object, not {type(obj).__name__}",
            hint='e.g. {"1": 1, "2": 3}',
        )
    problems: list[str] = []
    result: dict[str, int | str] = {}
    seen: dict[str, str] = {}
    for raw_key, raw_value in obj.items():
        erp_id = _id_text(raw_key)
        if erp_id is None:
            problems.append(f"key {raw_key!r} is not a currency id")
            continue
        crm_id = _id_text(raw_value)
        if crm_id is None:
            problems.append(f"ERP currency {erp_id}: value {raw_value!r} is not a CRM currency id")
            continue
        if erp_id in result:
            problems.append(f"ERP currency {erp_id} is listed twice")
            continue
        if crm_id in seen:
            problems.append(f"ERP currencies {seen[crm_id]} and {erp_id} both map to CRM currency {crm_id}")
            continue
        seen[crm_id] = erp_id
        result[erp_id] = natural_scalar(crm_id)
    if problems:
        raise ConfigError(
            "currency mapping is invalid: " + "; ".join(problems),
            hint='write it as {"<ERP currency id>": <CRM currency id>}, e.g. {"1": 1, "2": 3}',
        )
    return result


def _id_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        text = to_id(value)
    except ConversionError:
        return None
    return text if text is not None and " " not in text else None


class CurrencyMap:
    """Both ways of a validated currency mapping."""

    def __init__(self, mapping: Mapping[str, Any] | None, entity: str) -> None:
        self.to_crm_ids = validate_currency_mapping(dict(mapping or {}))
        self.to_erp_ids = {str(crm): erp for erp, crm in self.to_crm_ids.items()}
        self.entity = entity

    def _require(self, what: str) -> None:
        if not self.to_crm_ids:
            # prices are worded as the CRM module of the product's source words them, which its users know
            message = ("Prices not synchronizing: the currency mapping is missing or invalid" if what == "Prices"
                       else f"{what} need a currency mapping")
            raise CurrencyMappingError(
                message,
                hint=f'set the currency mapping of entity {self.entity}, e.g. {{"1": 1}}',
            )

    def to_crm(self, erp_id: str, *, what: str = "Currencies") -> int | str:
        self._require(what)
        if erp_id not in self.to_crm_ids:
            raise CurrencyMappingError(
                f"ERP currency {erp_id} is not in the currency mapping",
                hint=f"mapped ERP currencies: {', '.join(self.to_crm_ids)}",
            )
        return self.to_crm_ids[erp_id]

    def to_erp(self, crm_id: str, *, what: str = "Currencies") -> str:
        self._require(what)
        if crm_id not in self.to_erp_ids:
            raise CurrencyMappingError(
                f"CRM currency {crm_id} is not in the currency mapping",
                hint=f"mapped CRM currencies: {', '.join(self.to_erp_ids)}",
            )
        return self.to_erp_ids[crm_id]

    def pick_price(self, entries: list[Mapping[str, Any]], crm_currency: str) -> Decimal | None:
        """The price of the first ERP entry whose currency maps to `crm_currency` (with prices per
        warehouse, the list's first warehouse)."""
        if not entries:
            return None
        self._require("Prices")
        present: list[str] = []
        for entry in entries:
            erp_id = to_id(entry.get("currency_id"))
            present.append(str(erp_id))
            if erp_id is not None and str(self.to_crm_ids.get(erp_id)) == crm_currency:
                return to_decimal(entry.get("price"))
        raise MappingError(
            f"no price in CRM currency {crm_currency}; the ERP has prices in currencies "
            f"{', '.join(present)}",
            hint=f"map one of them to CRM currency {crm_currency} in the currency mapping",
        )

    def price_entries(self, price: Decimal, crm_currency: str) -> list[dict[str, Any]]:
        erp_id = self.to_erp(crm_currency, what="Prices")
        return [{"currency_id": natural_scalar(erp_id), "price": price}]


def read_price_list(value: Any) -> list[Mapping[str, Any]]:
    """The ERP's price list from a list, one entry, or JSON text of either."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConversionError("is not a price list") from None
    if value is None:
        return []
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(e, Mapping) for e in value):
        raise ConversionError("is not a price list ([{currency_id, price}])")
    return list(value)


def canonical_price_list(entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A price list that could not be narrowed to one currency, in a stable order."""
    out = []
    for entry in entries:
        try:
            price = to_decimal(entry.get("price"))
            shown = None if price is None else number_str(price)
        except ConversionError:
            shown = str(entry.get("price"))
        out.append({"currency_id": str(entry.get("currency_id")), "price": shown})
    return sorted(out, key=lambda e: (e["currency_id"], str(e["price"])))
