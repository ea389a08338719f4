"""Field mappings between a CRM record and its ERP twin. Pure functions, no I/O.

The mapping of an entity is a list of rows, stored as JSON in `EntityConfig.fields`::

    {"crm": "company", "erp": "name", "type": "text",
     "transform": ["strip", "collapse_spaces"],    # applied toward the ERP
     "transform_to_crm": [...],                    # optional, applied toward the CRM (see below)
     "value_map": {"<crm value>": "<erp value>"},  # inverted toward the CRM
     "value_map_to_crm": {"<erp value>": "<crm value>"},  # optional explicit way back
     "default": null,           # used when the source value is empty; written in CRM terms
     "required": false,         # an empty result is a MappingError
     "direction": "both",       # "export" = CRM -> ERP only, "import" = ERP -> CRM only
     "lookup": "clients",       # type lookup: the entity whose record ids the field holds
     "currency": 1,             # type price: the CRM currency id the CRM field is in
     "fields": [...rows...]}    # type lines: the mapping of each line

Types, with the value a payload carries and the canonical (checksum) form:
- text: str; "" and None are both None canonically. number: Decimal; canonical plain text
  ("12.50" == 12.5 -> "12.5", never an exponent; "12,5" and "1.234,56" are read too). integer: int.
  boolean: bool from true/false, 1/0, yes/no, da/nu, on/off. date: `date` from ISO, DD.MM.YYYY,
  DD/MM/YYYY; canonical ISO. datetime: aware UTC `datetime` (naive = UTC); canonical ISO to the second.
- picklist: a value_map is required; an unmapped value is a MappingError unless a default is given.
- lookup: a record id translated through a `LookupResolver` (the link store); 0 means "none".
- currency: an ERP currency id; the CRM value is currency_mapping[str(erp id)], the inverse on export.
- price: the ERP holds [{"currency_id", "price"}], the CRM one number in the row's `currency`.
- lines: a list of objects, each mapped with the sub-rows; canonical keeps the order.
Ids and picklist codes that look like integers ("12", not "012") are written as ints.

Transforms (a fixed set): strip, lower, upper, title, collapse_spaces, digits_only, remove_diacritics,
truncate:N, prefix:TEXT, suffix:TEXT, remove_prefix:TEXT, remove_suffix:TEXT, replace:OLD:NEW, round:N
(numbers), add:N (numbers and text holding one), jalali_date / gregorian_date (text), default_if_empty:TEXT.
On each way the source value is read as the type, transformed, then value-mapped. Without
`transform_to_crm`, strip/collapse_spaces/lower/upper/title also apply toward the CRM and
prefix/suffix are removed again; prefix/suffix never mark a value twice.

`default` is in CRM terms: toward the ERP it replaces an empty CRM value and is mapped like one;
toward the CRM it is the result. A field absent from the source record is left out of the payload.
The currency mapping is {"<erp currency id>": <crm currency id>}, e.g. {"1": 1, "2": 3}.
"""

from erpsync_gui.mapping.checksum import canonical_json, checksum_of
from erpsync_gui.mapping.currency import validate_currency_mapping
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.mapping.diff import FieldDiff
from erpsync_gui.mapping.mapper import EntityMapping, LookupResolver
from erpsync_gui.mapping.spec import FieldMap, MappingConfigError, parse_fields
from erpsync_gui.mapping.suggest import auto_suggest
from erpsync_gui.mapping.transforms import Transform
from erpsync_gui.mapping.types import TYPES, json_safe

__all__ = [
    "TYPES",
    "EntityMapping",
    "FieldDiff",
    "FieldMap",
    "LookupResolver",
    "MappingConfigError",
    "Transform",
    "auto_suggest",
    "canonical_json",
    "checksum_of",
    "default_fields",
    "default_match_keys",
    "json_safe",
    "parse_fields",
    "validate_currency_mapping",
]
