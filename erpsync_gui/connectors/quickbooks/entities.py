"""The QuickBooks Online entities the connector reads and writes, with their documented fields (flat names).

A nested object appears as dotted names (`CustomerRef.value`, `BillAddr.City`, `MetaData.LastUpdatedTime`);
the `Line` array of Invoice, Estimate and Payment as `lines`, a list of dicts flattened the same way
(`SalesItemLineDetail.ItemRef.value`, `LinkedTxn` a list of `{"TxnId", "TxnType"}`).
"""

from __future__ import annotations

from dataclasses import dataclass

from erpsync_gui.records import FieldInfo

_ADDRESS = ("Line1", "Line2", "City", "CountrySubDivisionCode", "PostalCode", "Country")


def _addr(prefix: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}.{part}", "text") for part in _ADDRESS)


@dataclass(frozen=True)
class Entity:
    name: str
    #: (flat name, type); required ones in `required`
    fields: tuple[tuple[str, str], ...]
    required: tuple[str, ...] = ()
    #: natural keys, most specific first (filterable with = and IN)
    keys: tuple[str, ...] = ()
    #: transactions can be deleted; name lists are made inactive instead (Active = false)
    deletable: bool = False
    has_lines: bool = False
    #: queries of name lists return inactive records only when asked for them
    has_active: bool = False

    @property
    def path(self) -> str:
        """The entity's resource name in URLs (`customer`, `invoice`)."""
        return self.name.lower()

    def info(self) -> tuple[FieldInfo, ...]:
        out = [FieldInfo("Id", "text", label="Id"), FieldInfo("SyncToken", "text", label="concurrency token")]
        out += [FieldInfo(name, kind, required=name in self.required) for name, kind in self.fields]
        if self.has_lines:
            out.append(FieldInfo("lines", "list", label="Line"))
        out += [FieldInfo("MetaData.CreateTime", "datetime"), FieldInfo("MetaData.LastUpdatedTime", "datetime")]
        return tuple(out)


_TXN = (("DocNumber", "text"), ("TxnDate", "date"), ("CustomerRef.value", "text"), ("CustomerRef.name", "text"),
        ("CurrencyRef.value", "text"), ("ExchangeRate", "number"), ("PrivateNote", "text"),
        ("CustomerMemo.value", "text"), ("BillEmail.Address", "text"), *_addr("BillAddr"), *_addr("ShipAddr"),
        ("TotalAmt", "number"))

ENTITIES: dict[str, Entity] = {e.name: e for e in (
    Entity("Customer", (
        ("DisplayName", "text"), ("CompanyName", "text"), ("Title", "text"), ("GivenName", "text"),
        ("MiddleName", "text"), ("FamilyName", "text"), ("Suffix", "text"), ("PrintOnCheckName", "text"),
        ("PrimaryEmailAddr.Address", "text"), ("PrimaryPhone.FreeFormNumber", "text"),
        ("Mobile.FreeFormNumber", "text"), ("Fax.FreeFormNumber", "text"), ("WebAddr.URI", "text"),
        *_addr("BillAddr"), *_addr("ShipAddr"), ("Notes", "text"), ("Active", "boolean"), ("Taxable", "boolean"),
        ("Balance", "number"), ("CurrencyRef.value", "text"), ("ResaleNum", "text")),
        required=("DisplayName",), keys=("DisplayName",), has_active=True),
    Entity("Item", (
        ("Name", "text"), ("Sku", "text"), ("Type", "text"), ("Description", "text"), ("UnitPrice", "number"),
        ("PurchaseCost", "number"), ("Active", "boolean"), ("Taxable", "boolean"), ("TrackQtyOnHand", "boolean"),
        ("QtyOnHand", "number"), ("InvStartDate", "date"), ("IncomeAccountRef.value", "text"),
        ("ExpenseAccountRef.value", "text"), ("AssetAccountRef.value", "text")),
        required=("Name", "Type"), keys=("Name", "Sku"), has_active=True),
    Entity("Invoice", (*_TXN, ("DueDate", "date"), ("SalesTermRef.value", "text"), ("Balance", "number")),
           required=("CustomerRef.value", "lines"), keys=("DocNumber",), deletable=True, has_lines=True),
    Entity("Estimate", (*_TXN, ("ExpirationDate", "date"), ("TxnStatus", "text")),
           required=("CustomerRef.value", "lines"), keys=("DocNumber",), deletable=True, has_lines=True),
    Entity("Payment", (
        ("TxnDate", "date"), ("CustomerRef.value", "text"), ("CustomerRef.name", "text"), ("TotalAmt", "number"),
        ("UnappliedAmt", "number"), ("PaymentRefNum", "text"), ("PaymentMethodRef.value", "text"),
        ("DepositToAccountRef.value", "text"), ("CurrencyRef.value", "text"), ("PrivateNote", "text")),
        required=("CustomerRef.value", "TotalAmt"), keys=(), deletable=True, has_lines=True),
)}

#: Fault codes of a duplicate natural key, and the key each names when the fault's `element` is empty:
#: 6240 "Duplicate Name Exists" (DisplayName of Customer, Name of Item), 6210 "Duplicate Document Number"
#: (Intuit's list), 6140 (the same message with element DocNumber, as seen in practice)
DUPLICATE_CODES = {"6240": ("DisplayName", "Name"), "6210": ("DocNumber",), "6140": ("DocNumber",)}
