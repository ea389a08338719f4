"""Siagh contacts (طرف حساب, table gn_web_users): the fields GetAll returns and the form columns that write them.

Reads name fields in GetAll's PascalCase (`Name`, `MobileNo`); the contact form (2BFDA) writes lowercase
`gn_web_users.<column>` keys, some under another name (`Name` is `fullname`, `Description` is `tozihat`,
`NationalCode` is written as `passno`, `TowardType` as `taraftype`). The connector speaks GetAll's names
both ways; a column with no GetAll twin (`codeostan`, the province) may be written by its full key
`gn_web_users.codeostan`, and is then not part of what is read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync_gui.errors import MappingError, PermanentError
from erpsync_gui.mapping.types import number_str, to_decimal
from erpsync_gui.records import FieldInfo, Record

TABLE = "gn_web_users"
MAX_ID = 191
#: GetAll field -> form column, in the order of the create request seen
COLUMNS: dict[str, str] = {
    "IsActive": "isactive", "Gender": "gender", "WebSiteAddress": "websiteaddress", "PostalCode": "pocode",
    "Address": "address", "CityCode": "codeshahr", "CountryCode": "countrycode", "Email": "email",
    "Name": "fullname", "MobileNo": "mobileno", "TelNo": "telno", "Description": "tozihat",
    "NickName": "nickname", "TowardType": "taraftype", "NationalCode": "passno",
}
#: identifiers Siagh assigns itself: never written
IDENTIFIERS = frozenset({"Code", "RecordId"})
#: every field of a GetAll row, as the reply documents them
READ_FIELDS: tuple[FieldInfo, ...] = (
    FieldInfo("Code", "number", label="contact code (the id)"), FieldInfo("RecordId", "text", label="GUID"),
    FieldInfo("Name", "text", required=True, label="full name"), FieldInfo("NickName", "text"),
    FieldInfo("NationalCode", "text", label="national id (کد ملی)"), FieldInfo("MobileNo", "text"),
    FieldInfo("MobileNo2", "text"), FieldInfo("TelNo", "text"), FieldInfo("TelNo2", "text"),
    FieldInfo("Email", "text"), FieldInfo("Email2", "text"), FieldInfo("Address", "text"),
    FieldInfo("PostalCode", "text"), FieldInfo("CityCode", "number"), FieldInfo("CountryCode", "number"),
    FieldInfo("Gender", "number", label="0 female, 1 male"), FieldInfo("BirthDate", "text"),
    FieldInfo("FatherName", "text"), FieldInfo("Description", "text"), FieldInfo("WebSiteAddress", "text"),
    FieldInfo("IsActive", "boolean"), FieldInfo("TowardType", "boolean", label="false person, true organization"),
    FieldInfo("RegDate", "text"), FieldInfo("ExpireDate", "text"),
)
KEY_FIELDS = ("Code", "MobileNo", "NationalCode", "Email")


def contact_id(value: Any) -> str | None:
    """A contact's Code as the record id ("8407"), or None when it has none."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
    else:
        number = to_decimal(value)
        text = number_str(number) if number is not None else ""
    return text or None


def to_record(row: Mapping[str, Any], url: str) -> Record:
    code = contact_id(row.get("Code"))
    if code is None or len(code) > MAX_ID:
        raise PermanentError(f"malformed reply from Siagh for clients at {url}: a contact without a usable Code",
                             hint="the GetAll reply should give every contact its Code")
    return Record(id=code, data=dict(row))


def check_payload(payload: Mapping[str, Any]) -> None:
    """A MappingError for a payload field the contact form cannot write (unknown, or read-only in Siagh)."""
    bad = sorted(k for k in payload if k not in COLUMNS and k not in IDENTIFIERS and not k.startswith(f"{TABLE}."))
    if bad:
        raise MappingError(f"the Siagh contact form cannot write {', '.join(bad)}", field=bad[0],
                           hint=f"writable fields: {', '.join(COLUMNS)}, or {TABLE}.<column>")


def form_pairs(values: Mapping[str, Any], *, only_given: bool) -> list[tuple[str, Any]]:
    """(`gn_web_users.<column>`, value) for the contact form. Without `only_given` every known column is sent
    (empty when not given), as the form's own requests do; write-only columns go only when given."""
    pairs = [(f"{TABLE}.{column}", values.get(name)) for name, column in COLUMNS.items()
             if not only_given or name in values]
    pairs += [(key, value) for key, value in values.items() if key.startswith(f"{TABLE}.")]
    return pairs


def written(current: Mapping[str, Any], payload: Mapping[str, Any], code: str) -> dict[str, Any]:
    """The contact as Siagh holds it after a write: what it had, with the payload's readable fields on top."""
    out = dict(current)
    out.update({k: v for k, v in payload.items() if k in COLUMNS})
    out["Code"] = int(code) if code.isdigit() else code
    return out
