"""The Zoho CRM modules the connector reads and writes, with their documented standard fields.

Field names are Zoho's API names. A lookup (an object `{"id", "name"}` in the API) appears in a Record as two
flat fields, `<Field>.id` and `<Field>.name`; the line items of Quotes and Invoices (the subforms
`Quoted_Items` and `Invoiced_Items`) appear as a list of flat dicts under `lines`. `fields` of a read request
names the top-level API names below plus the endpoint's `extra_fields` (at most 50 in all, Zoho's limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from erpsync_gui.records import FieldInfo

#: the modules the connector syncs, by their API names
ModuleName = Literal["Accounts", "Contacts", "Leads", "Deals", "Products", "Quotes", "Invoices"]

#: Zoho reads at most this many field names per list request
MAX_FIELDS = 50
#: system fields every read asks for: the cursor and the concurrency check rest on Modified_Time
SYSTEM_FIELDS = ("Modified_Time", "Created_Time")
#: flat fields a write never sends (Zoho sets them itself)
READ_ONLY = frozenset({"id", "Created_Time", "Modified_Time", "Created_By", "Modified_By", "Last_Activity_Time"})

_ADDRESS = ("Street", "City", "State", "Code", "Country")


@dataclass(frozen=True)
class Field:
    name: str
    #: text | number | date | datetime | boolean | list | lookup (an {"id", "name"} object)
    type: str = "text"
    required: bool = False


@dataclass(frozen=True)
class Module:
    name: ModuleName
    fields: tuple[Field, ...]
    #: natural keys, most specific first (searchable with `equals`)
    keys: tuple[str, ...] = ()
    #: the line-item subform, shown as `lines`
    line_field: str | None = None
    line_fields: tuple[Field, ...] = ()

    @property
    def api_fields(self) -> tuple[str, ...]:
        """Top-level API names to ask for in `fields`."""
        own = [f.name for f in self.fields]
        if self.line_field:
            own.append(self.line_field)
        return tuple(dict.fromkeys((*own, *SYSTEM_FIELDS)))

    def info(self) -> tuple[FieldInfo, ...]:
        """The fields as a Record carries them (lookups split into .id and .name, lines as a list)."""
        out: list[FieldInfo] = [FieldInfo("id", "text", label="Record id")]
        for f in self.fields:
            if f.type == "lookup":
                out += [FieldInfo(f"{f.name}.id", "text", required=f.required), FieldInfo(f"{f.name}.name", "text")]
            else:
                out.append(FieldInfo(f.name, f.type, required=f.required))
        if self.line_field:
            out.append(FieldInfo("lines", "list", label=f"line items ({self.line_field})"))
        out += [FieldInfo("Created_Time", "datetime"), FieldInfo("Modified_Time", "datetime")]
        return tuple(out)


def _address(prefix: str, code: str = "Code") -> tuple[Field, ...]:
    return tuple(Field(f"{prefix}_{part if part != 'Code' else code}") for part in _ADDRESS)


_LINE = (Field("Product_Name", "lookup", required=True), Field("Quantity", "number", required=True),
         Field("List_Price", "number"), Field("Discount", "number"), Field("Tax", "number"),
         Field("Total", "number"), Field("Description"))

MODULES: dict[str, Module] = {m.name: m for m in (
    Module("Accounts", (
        Field("Account_Name", required=True), Field("Account_Number"), Field("Account_Site"), Field("Account_Type"),
        Field("Industry"), Field("Annual_Revenue", "number"), Field("Employees", "number"), Field("Phone"),
        Field("Fax"), Field("Website"), Field("Ownership"), *_address("Billing"), *_address("Shipping"),
        Field("Description"), Field("Owner", "lookup"), Field("Parent_Account", "lookup")),
        keys=("Account_Number", "Account_Name")),
    Module("Contacts", (
        Field("First_Name"), Field("Last_Name", required=True), Field("Email"), Field("Secondary_Email"),
        Field("Phone"), Field("Mobile"), Field("Title"), Field("Department"), Field("Account_Name", "lookup"),
        *_address("Mailing", "Zip"), Field("Date_of_Birth", "date"), Field("Lead_Source"), Field("Description"),
        Field("Owner", "lookup")),
        keys=("Email",)),
    Module("Leads", (
        Field("First_Name"), Field("Last_Name", required=True), Field("Company"), Field("Email"), Field("Phone"),
        Field("Mobile"), Field("Lead_Status"), Field("Lead_Source"), Field("Industry"),
        Field("Annual_Revenue", "number"), Field("Street"), Field("City"), Field("State"), Field("Zip_Code"),
        Field("Country"), Field("Website"), Field("Description"), Field("Owner", "lookup")),
        keys=("Email",)),
    Module("Deals", (
        Field("Deal_Name", required=True), Field("Stage", required=True), Field("Amount", "number"),
        Field("Closing_Date", "date"), Field("Probability", "number"), Field("Type"), Field("Lead_Source"),
        Field("Pipeline"), Field("Account_Name", "lookup"), Field("Contact_Name", "lookup"), Field("Description"),
        Field("Owner", "lookup")),
        keys=("Deal_Name",)),
    Module("Products", (
        Field("Product_Name", required=True), Field("Product_Code"), Field("Unit_Price", "number"),
        Field("Product_Active", "boolean"), Field("Product_Category"), Field("Manufacturer"),
        Field("Qty_in_Stock", "number"), Field("Description"), Field("Vendor_Name", "lookup"),
        Field("Owner", "lookup")),
        keys=("Product_Code", "Product_Name")),
    Module("Quotes", (
        Field("Subject", required=True), Field("Quote_Stage"), Field("Valid_Till", "date"),
        Field("Account_Name", "lookup"), Field("Contact_Name", "lookup"), Field("Deal_Name", "lookup"),
        Field("Sub_Total", "number"), Field("Discount", "number"), Field("Tax", "number"),
        Field("Adjustment", "number"), Field("Grand_Total", "number"), *_address("Billing"), *_address("Shipping"),
        Field("Terms_and_Conditions"), Field("Description"), Field("Owner", "lookup")),
        keys=("Subject",), line_field="Quoted_Items", line_fields=_LINE),
    Module("Invoices", (
        Field("Subject", required=True), Field("Invoice_Date", "date"), Field("Due_Date", "date"), Field("Status"),
        Field("Account_Name", "lookup", required=True), Field("Contact_Name", "lookup"),
        Field("Sub_Total", "number"), Field("Discount", "number"), Field("Tax", "number"),
        Field("Adjustment", "number"), Field("Grand_Total", "number"), *_address("Billing"), *_address("Shipping"),
        Field("Terms_and_Conditions"), Field("Description"), Field("Owner", "lookup")),
        keys=("Subject",), line_field="Invoiced_Items", line_fields=_LINE),
)}
