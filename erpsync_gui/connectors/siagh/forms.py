"""Siagh's one write call, `POST /BpmsApi/SaveFormData`: building its fields and reading its reply.

The body's values are all strings: `ctrlValues` is `key=value` pairs joined by "|" (keys `table.column` in
lowercase), `parameters` the same for the form's parameters, and `dataRows` / `attachments` are JSON
written into a string. No escaping of "|" inside a value was ever seen, so a value holding one is refused
rather than sent in a form that would split it. Values are sent exactly as given: Persian text, and both
the Arabic (ي ك) and Persian (ی ک) letters, are never rewritten.

Every reply is HTTP 200. Success is `ReturnValue: true` and no `Errors[]` entry of `ErrorType` "ErrError";
`ErrSuccs` entries carry the success message (a pre-invoice's number is only in its text: "... به شماره 2488
ثبت گردید"), `ErrWarning` ones are kept as warnings.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from erpsync_gui.errors import MalformedReplyError, MappingError, PermanentError
from erpsync_gui.http.json_reply import decode_json
from erpsync_gui.http.jsonbody import encode_json
from erpsync_gui.mapping.jalali import ascii_digits
from erpsync_gui.mapping.types import number_str

SAVE_PATH = "BpmsApi/SaveFormData"
CONTACT_FORM = "2BFDA"
PRE_INVOICE_FORM = "43D81"
#: sent with every form in the requests seen
POST_CODE = "1110"
_NUMBER = re.compile(r"شماره\s+(\d+)")


def form_value(value: Any, field: str) -> str:
    """One value as ctrlValues carries it: text as is, yes/no as 1/0, numbers without exponent, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        text = number_str(value)
    elif isinstance(value, int | float):
        text = number_str(Decimal(repr(value))) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise MappingError(f"{field}: a {type(value).__name__} cannot be written into a Siagh form", field=field)
    if "|" in text:
        raise MappingError(f"{field}: the value contains '|', which Siagh's form fields cannot carry", field=field,
                           hint="remove the '|' from the value at its source")
    return text


def ctrl_values(pairs: Iterable[tuple[str, Any]]) -> str:
    """`key=value|key=value`, keys as given (the caller decides their order)."""
    return "|".join(f"{key}={form_value(value, key)}" for key, value in pairs)


def form_body(form_id: str, ctrl: str, parameters: str, data_rows: Sequence[Mapping[str, Any]] = ()) -> dict[str, str]:
    """The JSON body of one SaveFormData call."""
    return {"formId": form_id, "ctrlValues": ctrl, "parameters": parameters,
            "dataRows": encode_json(list(data_rows)).decode("utf-8"), "attachments": "[]",
            "postCode": POST_CODE, "flowId": ""}


def new_row_uid() -> str:
    return uuid.uuid4().hex[:8]


def grid_rows(grid: str, entity: str, key_field: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """dataRows for new grid lines: each column as {"oldValue": None, "newValue": value}; `__uid` and
    `_status` carry the same value in both, as in the requests seen."""
    data = []
    for row in rows:
        uid = new_row_uid()
        line: dict[str, Any] = {"__uid": {"oldValue": uid, "newValue": uid},
                                "_status": {"oldValue": "inserted", "newValue": "inserted"}}
        for column, value in row.items():
            line[column] = {"oldValue": None, "newValue": value}
        data.append(line)
    return [{"name": grid, "entity": entity, "keyField": key_field, "data": data}]


def new_document_parameters() -> str:
    """The parameters of a new pre-invoice: an uppercase GUID for `_In_Suid`."""
    return f"_In_EditKeys=|_In_Suid={str(uuid.uuid4()).upper()}|nocheck="


@dataclass(frozen=True)
class FormReply:
    """What a SaveFormData reply says."""

    saved: bool
    return_code: str
    return_params: str
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    #: success texts: ErrSuccs descriptions and FinalMessages, in that order
    messages: tuple[str, ...]

    def document_number(self) -> str | None:
        """The number a success message gives the saved document ("به شماره 2488"), if it names one."""
        for text in self.messages:
            match = _NUMBER.search(ascii_digits(text))
            if match:
                return match.group(1)
        return None


def read_reply(response: httpx.Response, what: str) -> FormReply:
    """The reply of a SaveFormData call; a reply of another shape is a PermanentError naming the endpoint."""
    url = str(response.request.url.copy_with(query=None))
    try:
        body = decode_json(response, "Siagh", what)
    except MalformedReplyError:
        body = None
    if not isinstance(body, dict) or "ReturnValue" not in body:
        raise PermanentError(f"malformed reply from Siagh for {what} at {url}", status=response.status_code,
                             hint="the reply is not a SaveFormData result; check the base URL")
    errors, warnings, messages = [], [], []
    for entry in body.get("Errors") or []:
        if not isinstance(entry, dict):
            continue
        text = _entry_text(entry)
        kind = entry.get("ErrorType")
        if kind == "ErrError":
            errors.append(text or "(no description)")
        elif kind == "ErrWarning":
            warnings.append(text)
        elif kind == "ErrSuccs" and text:
            messages.append(text)
    messages += [m for m in body.get("FinalMessages") or [] if isinstance(m, str) and m]
    return FormReply(saved=body.get("ReturnValue") is True and not errors,
                     return_code=_code(body.get("ReturnCode")), return_params=_code(body.get("ReturnParams")),
                     errors=tuple(errors), warnings=tuple(w for w in warnings if w), messages=tuple(messages))


def refused(reply: FormReply, what: str) -> PermanentError:
    """The error for a reply that did not save: Siagh's own words, the column where it names one."""
    text = "; ".join(reply.errors) if reply.errors else "ReturnValue false without an error message"
    return PermanentError(f"Siagh refused {what}: {text}", status=200, details=text,
                          hint="fix the values Siagh names and run the sync again")


def _entry_text(entry: Mapping[str, Any]) -> str:
    description = str(entry.get("Description") or "").strip()
    column = str(entry.get("ColName") or "").strip()
    return f"{column}: {description}" if column and description else description


def _code(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()
