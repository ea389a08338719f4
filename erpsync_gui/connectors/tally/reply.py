"""Reading Tally's replies: the text, its quirks, the export objects and the import counters.

Quirks handled before parsing: the body may be UTF-16 (what well-used clients send and read) or UTF-8,
whatever its XML declaration says, so the bytes are decoded first (BOM, charset, or the pattern of zero
bytes) and the declaration dropped; `&#4;` and other control-character references, which XML 1.0 does
not allow, are removed along with raw control characters. The parser resolves no entities and loads
nothing from the network.

An import reply comes either as a bare <RESPONSE> with the counters, or as ENVELOPE/BODY/DATA/IMPORTRESULT;
LINEERROR elements may stand anywhere in it: both forms are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
#: character references XML 1.0 forbids (Tally writes &#4; before some names)
_BAD_REFS = re.compile(r"&#(?:x0*(?:[0-8bcBCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));\s?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_AMOUNT = re.compile(r"(-?)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(Dr|Cr)?\.?\s*$", re.IGNORECASE)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)


class ReplyError(ValueError):
    """The reply is not readable XML."""


def decode(body: bytes, content_type: str = "") -> str:
    """The reply's text: by BOM, else the charset the header names, else by its zero bytes."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16")
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    charset = re.search(r"charset=\"?([\w-]+)", content_type or "", re.IGNORECASE)
    sample = body[:200]
    if len(sample) >= 2 and sample[1::2].count(0) > len(sample) // 4:
        return body.decode("utf-16-le", "replace")
    if len(sample) >= 2 and sample[0::2].count(0) > len(sample) // 4:
        return body.decode("utf-16-be", "replace")
    name = charset[1].lower() if charset else "utf-8"
    try:
        return body.decode("utf-8" if name.startswith("utf-16") else name, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def clean(text: str) -> str:
    """The text without its XML declaration, forbidden character references and control characters."""
    text = _DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
    return _CONTROL.sub("", _BAD_REFS.sub("", text))


def parse(body: bytes, content_type: str = "") -> etree._Element:
    text = clean(decode(body, content_type)).strip()
    if not text:
        raise ReplyError("an empty reply")
    try:
        return etree.fromstring(text.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ReplyError(f"not XML: {exc}") from None


def amount(text: str | None) -> Decimal | None:
    """An amount as Tally writes it: "-1500.00" (debit negative), "1500.00 Dr", "1,500.00 Cr", or a forex
    form "$20 @ 75/$ = INR 1500" (the part after "=", in the company's currency). None when empty or
    unreadable. A debit is negative, as in Tally's own XML."""
    if text is None or not text.strip():
        return None
    value = text.rsplit("=", 1)[-1].strip()
    value = re.sub(r"^[^\d\-]*", "", value) if not value[:1].isdigit() and value[:1] != "-" else value
    match = _AMOUNT.search(value)
    if not match:
        return None
    try:
        number = Decimal(match[2].replace(",", ""))
    except InvalidOperation:
        return None
    sign = match[3].lower() if match[3] else None
    if sign == "dr" or (sign is None and match[1] == "-"):
        number = -abs(number)
    elif sign == "cr":
        number = abs(number)
    return number


def iso_date(text: str | None) -> str | None:
    """"YYYY-MM-DD" from Tally's YYYYMMDD (or an already ISO date); None otherwise."""
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    return None


def line_errors(root: etree._Element) -> list[str]:
    return [(e.text or "").strip() for e in root.iter("LINEERROR") if (e.text or "").strip()]


def objects(root: etree._Element, tag: str) -> list[etree._Element]:
    """Every exported object of a kind (LEDGER, STOCKITEM, VOUCHER ...), wherever the reply nests it."""
    return list(root.iter(tag))


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    altered: int = 0
    deleted: int = 0
    errors: int = 0
    exceptions: int = 0
    ignored: int = 0
    cancelled: int = 0
    last_voucher_id: int | None = None
    last_master_id: int | None = None
    line_errors: tuple[str, ...] = field(default_factory=tuple)


_COUNTERS = {"CREATED": "created", "ALTERED": "altered", "DELETED": "deleted", "ERRORS": "errors",
             "EXCEPTIONS": "exceptions", "IGNORED": "ignored", "CANCELLED": "cancelled"}


def import_result(root: etree._Element) -> ImportResult:
    """The counters of an import reply in either form; ReplyError when it has none."""
    holder = next(root.iter("IMPORTRESULT"), None)
    if holder is None and root.tag == "RESPONSE":
        holder = root
    if holder is None:
        raise ReplyError("no import counters in the reply")
    values: dict[str, int] = {}
    for tag, name in _COUNTERS.items():
        node = holder.find(tag)
        count = (node.text or "").strip() if node is not None else ""
        if count.lstrip("-").isdigit():
            values[name] = int(count)
    return ImportResult(**values, last_voucher_id=_positive(holder, "LASTVCHID"),
                        last_master_id=_positive(holder, "LASTMID"), line_errors=tuple(line_errors(root)))


def _positive(holder: etree._Element, tag: str) -> int | None:
    """A counter's id above 0 (Tally answers 0 when it made none)."""
    node = holder.find(tag)
    text = (node.text or "").strip() if node is not None else ""
    return int(text) if text.isdigit() and int(text) > 0 else None
