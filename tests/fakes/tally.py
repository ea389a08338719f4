"""A fake TallyPrime XML server: a stateful HTTP server on 127.0.0.1 that takes POSTed envelopes (UTF-16
or UTF-8) and answers in the encoding it was asked in.

Sources, and the behaviour each gives:
- https://help.tallysolutions.com/xml-integration : XML over HTTP on port 9000, no authentication, a
  company must be open.
- https://help.tallysolutions.com/tally/significance_of_tags/ and /tally/get-data/ : ENVELOPE/HEADER
  (VERSION, TALLYREQUEST Export|Import, TYPE Collection, ID = the collection), STATICVARIABLES with
  SVCURRENTCOMPANY, SVFROMDATE, SVTODATE; inline TDL under DESC/TDL/TDLMESSAGE.
- https://help.tallysolutions.com/understanding-accounting-masters-integration : imports under
  IMPORTDATA/REQUESTDESC/REPORTNAME (All Masters, Vouchers) and REQUESTDATA/TALLYMESSAGE/<LEDGER ACTION=..>.
- TallyConnector (github.com/Accounting-Companion/TallyConnector, ResponseEnvelope.cs): the reply tags
  ENVELOPE/BODY/DATA/{LINEERROR, IMPORTRESULT/{CREATED, ALTERED, DELETED, LASTVCHID, LASTMID, COMBINED,
  IGNORED, ERRORS, CANCELLED, EXCEPTIONS}}; it posts and reads UTF-16; it strips "&#4; " before parsing.
- tally-database-loader (github.com/dhananjay1405/tally-database-loader, src/tally.mts): UTF-16LE bodies,
  dates as d-MMM-yyyy in SVFROMDATE/SVTODATE, change detection by the collection filter `$AlterID > N`.
- https://help.tallysolutions.com/developer-reference/introduction/understanding-integration-transactions/ :
  a sales voucher in invoice mode (ISINVOICE, PERSISTEDVIEW "Invoice Voucher View") carries its party and
  ledger details in ALLLEDGERENTRIES.LIST / LEDGERENTRIES.LIST and its stock lines in
  ALLINVENTORYENTRIES.LIST; and the integration walk-through at
  http://rtslink.com/Tally-Customization-How-to-link-Sales-Voucher-module-with-Tally-Accounting-Software.htm :
  the party account is debited with a NEGATIVE amount and ISDEEMEDPOSITIVE Yes, the sales ledger credited
  with a positive one and ISDEEMEDPOSITIVE No; a stock line holds the item's name, quantity, rate and amount
  and the sales ledger it is credited to (ACCOUNTINGALLOCATIONS.LIST).
- Stock lines as well-used clients write and read them (TallyConnector's and several public clients'
  voucher builders and their test fixtures): ACTUALQTY / BILLEDQTY "2 Nos" (the number, then the unit;
  Tally pads it with a leading space), RATE "100.00/Nos"; the import error "Voucher totals do not
  match!" for a voucher whose debits and credits differ (reported by many clients); a party's ledger entry
  allocated bill-wise (BILLALLOCATIONS.LIST with NAME, the bill, and BILLTYPE "New Ref" on the invoice,
  "Agst Ref" on the receipt that settles it), a list inside the entry, which is kept and exported as sent.
UNVERIFIED, chosen here: the bare <RESPONSE> reply form (switch `reply_root`, from a client's test
constant); the text "Could not set 'SVCurrentCompany' to '<name>'" for a closed or unknown company
(several clients report it); the line error texts ("Parent group 'X' does not exist", 'Ledger "X" is not
defined', "Stock Item 'X' does not exist"); that ACTION="Create" of an existing master alters it; the
reply's ENVELOPE/BODY/DATA/COLLECTION wrapping of exported objects; `&#4; Primary` as a top group's
parent; vouchers altered by REMOTEID = their GUID; amounts as "1500.00 Dr" (switch `dr_cr_amounts`);
a UTF-8 XML declaration on a UTF-16 reply (switch `declaration`); that a stock line's quantity and rate
must be in its item's base unit (the fake's own words "Unit 'X' does not exist for Stock Item 'Y'"); that
the balance is checked as the sum of the ledger entries' and the stock lines' amounts (the accounting
allocations being the stock lines' own ledger side); that ledgers named in entries must exist.

The filter formulas understood are the ones a client sends: `$Field = "text"`, `$Field > 12`, joined by
AND / OR with parentheses. Test helpers act as a person in Tally would (`add_master`, `add_voucher`,
`edit`, `get`, `masters`, `vouchers`) and fault switches (`close_company`, `reject`).
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from typing import Any

from lxml import etree

from tests.fakes.tally_wire import Server, compile_formula, envelope, line_error, parse_date

MASTERS = ("GROUP", "LEDGER", "STOCKGROUP", "STOCKITEM", "UNIT", "GODOWN")
TYPES = {"group": "GROUP", "ledger": "LEDGER", "stockgroup": "STOCKGROUP", "stockitem": "STOCKITEM",
         "unit": "UNIT", "godown": "GODOWN", "voucher": "VOUCHER", "company": "COMPANY"}
LISTS = {"ADDRESS.LIST": "ADDRESS", "ALLINVENTORYENTRIES.LIST": "ALLINVENTORYENTRIES.LIST",
         "INVENTORYENTRIES.LIST": "ALLINVENTORYENTRIES.LIST", "LEDGERENTRIES.LIST": "LEDGERENTRIES.LIST",
         "ALLLEDGERENTRIES.LIST": "LEDGERENTRIES.LIST"}
AMOUNTS = {"OPENINGBALANCE", "CLOSINGBALANCE", "AMOUNT", "OPENINGVALUE"}
CTRL = "@@CTRL4@@"  # stands for the &#4; Tally writes, which lxml will not write itself
VOUCHER_TYPES = {"sales", "sales order", "receipt", "payment", "journal", "purchase"}
#: a stock line's quantity ("2 Nos", " 2.5 Kgs") and rate ("100.00/Nos"): the number, then the unit
QUANTITY = re.compile(r"\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*([^\s/].*?)?\s*")
RATE = re.compile(r"\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:/\s*(\S.*?))?\s*")



class Company:
    def __init__(self, name: str) -> None:
        self.name = name
        self.guid = str(uuid.uuid4())
        self.masters: dict[str, dict[str, dict[str, Any]]] = {tag: {} for tag in MASTERS}
        self.vouchers: dict[str, dict[str, Any]] = {}
        self.master_id = 0
        self.alter_master = 0
        self.alter_voucher = 0


class TallyFake:
    """The server and its companies; `url` is where to POST."""

    def __init__(self, company: str = "Krishna Traders (from 1-Apr-24)") -> None:
        self.lock = threading.RLock()
        self.companies: dict[str, Company] = {}
        self.open: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.reply_root = "envelope"
        self.dr_cr_amounts = False
        self.declaration = False
        self.rejections: list[tuple[str, str, str, str]] = []
        self.company = self.open_company(company)
        for group in ("Sundry Debtors", "Sundry Creditors", "Sales Accounts", "Bank Accounts", "Cash-in-Hand",
                      "Duties & Taxes", "Current Assets"):
            self.add_master("GROUP", group, PARENT=CTRL + " Primary")
        self.add_master("GROUP", "North Zone Debtors", PARENT="Sundry Debtors")
        self.add_master("LEDGER", "Sales", PARENT="Sales Accounts")
        self.add_master("LEDGER", "Cash", PARENT="Cash-in-Hand")
        self.add_master("UNIT", "Nos", ORIGINALNAME="Numbers", ISSIMPLEUNIT="Yes")
        self._server = Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TallyFake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers for tests ----------------------------------------------------------------------------------
    def open_company(self, name: str) -> Company:
        with self.lock:
            company = self.companies.setdefault(name.casefold(), Company(name))
            if name.casefold() not in self.open:
                self.open.append(name.casefold())
            return company

    def close_company(self, name: str | None = None) -> None:
        with self.lock:
            self.open.remove((name or self.company.name).casefold())

    def add_master(self, tag: str, name: str, company: Company | None = None, **fields: Any) -> dict[str, Any]:
        with self.lock:
            company = company or self.company
            company.master_id += 1
            company.alter_master += 1
            obj = {"NAME": name, **fields, "GUID": f"{company.guid}-{company.master_id:08x}",
                   "MASTERID": company.master_id, "ALTERID": company.alter_master}
            company.masters[tag][name.casefold()] = obj
            return copy.deepcopy(obj)

    def add_voucher(self, vtype: str, date: str, number: str, party: str, company: Company | None = None,
                    **fields: Any) -> dict[str, Any]:
        with self.lock:
            company = company or self.company
            company.master_id += 1
            company.alter_voucher += 1
            obj = {"DATE": date, "VOUCHERTYPENAME": vtype, "VOUCHERNUMBER": number, "PARTYLEDGERNAME": party,
                   **fields, "GUID": f"{company.guid}-{company.master_id:08x}", "MASTERID": company.master_id,
                   "ALTERID": company.alter_voucher}
            company.vouchers[obj["GUID"]] = obj
            return copy.deepcopy(obj)

    def edit(self, tag: str, name: str, **fields: Any) -> None:
        with self.lock:
            obj = self.company.masters[tag][name.casefold()]
            obj.update(fields)
            self.company.alter_master += 1
            obj["ALTERID"] = self.company.alter_master

    def get(self, tag: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self.company.masters[tag].get(name.casefold())
            return copy.deepcopy(obj) if obj else None

    def masters(self, tag: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.company.masters[tag].values()]

    def vouchers(self) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.company.vouchers.values()]

    def reject(self, tag: str, field: str, value: str, message: str) -> None:
        """Imports of `tag` objects whose `field` is `value` fail with the line error `message`."""
        with self.lock:
            self.rejections.append((tag, field, value, message))

    # -- the protocol --------------------------------------------------------------------------------------
    def handle(self, body: bytes, content_type: str) -> tuple[bytes, str]:
        utf16 = body[1:200:2].count(0) > 20 or "utf-16" in content_type.lower() or body[:2] == b"\xff\xfe"
        text = body.decode("utf-16" if body[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le") if utf16 \
            else body.decode("utf-8")
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        request = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
        kind = (request.findtext("HEADER/TALLYREQUEST") or "").strip().lower()
        with self.lock:
            self.requests.append({"kind": kind, "utf16": utf16, "body": text})
            if kind == "export":
                answer = self._export(request)
            elif kind in ("import data", "import"):
                answer = self._import(request)
            else:
                answer = envelope([line_error(f"Unknown Request '{kind}'")])
        out = etree.tostring(answer, encoding="unicode").replace(CTRL, "&#4;")
        if self.declaration:
            out = '<?xml version="1.0" encoding="UTF-8"?>' + out
        return (out.encode("utf-16-le"), "text/xml; charset=utf-16") if utf16 else (out.encode(), "text/xml")

    def _company(self, request: etree._Element, path: str) -> tuple[Company | None, str | None]:
        asked = request.findtext(path)
        if asked is not None and asked.strip():
            if asked.strip().casefold() not in self.open:
                return None, f"Could not set 'SVCurrentCompany' to '{asked.strip()}'"
            return self.companies[asked.strip().casefold()], None
        if not self.open:
            return None, None
        return self.companies[self.open[0]], None

    def _export(self, request: etree._Element) -> etree._Element:
        company, error = self._company(request, "BODY/DESC/STATICVARIABLES/SVCURRENTCOMPANY")
        if error:
            return envelope([line_error(error)])
        name = request.findtext("HEADER/ID")
        coll = next((c for c in request.iter("COLLECTION") if c.get("NAME") == name), None)
        if coll is None:
            return envelope([line_error(f"Could not find Collection '{name}'")])
        tag = TYPES.get((coll.findtext("TYPE") or "").strip().lower())
        fetch = [f.strip() for f in (coll.findtext("FETCH") or "").split(",") if f.strip()]
        formula_name = coll.findtext("FILTER")
        system = next((s for s in request.iter("SYSTEM") if s.get("NAME") == formula_name), None)
        test = compile_formula(system.text) if system is not None and system.text else (lambda obj: True)
        if tag == "COMPANY":
            found = [{"NAME": self.companies[c].name, "GUID": self.companies[c].guid, "BOOKSFROM": "20240401"}
                     for c in self.open]
        elif company is None:
            found = []
        elif tag == "VOUCHER":
            low = parse_date(request.findtext("BODY/DESC/STATICVARIABLES/SVFROMDATE")) or "00000000"
            high = parse_date(request.findtext("BODY/DESC/STATICVARIABLES/SVTODATE")) or "99999999"
            found = [v for v in company.vouchers.values() if low <= v["DATE"] <= high and test(v)]
        elif tag in MASTERS:
            found = list(company.masters[tag].values())
            under = coll.findtext("CHILDOF")
            if under:
                deep = (coll.findtext("BELONGSTO") or "").strip().lower() == "yes"
                found = [o for o in found if self._under(company, o, under.strip(), deep)]
            found = [o for o in found if test(o)]
        else:
            return envelope([line_error(f"Invalid object type '{coll.findtext('TYPE')}'")])
        collection = etree.Element("COLLECTION")
        for obj in found:
            collection.append(self._render(tag, obj, fetch))
        return envelope([collection])

    def _under(self, company: Company, obj: dict, group: str, deep: bool) -> bool:
        parent = obj.get("PARENT", "")
        for _ in range(20):
            if parent.casefold() == group.casefold():
                return True
            if not deep:
                return False
            holder = company.masters["GROUP"].get(parent.casefold())
            if holder is None:
                return False
            parent = holder.get("PARENT", "")
        return False

    def _render(self, tag: str, obj: dict, fetch: list[str]) -> etree._Element:
        node = etree.Element(tag, NAME=obj["NAME"], RESERVEDNAME="") if "NAME" in obj else etree.Element(tag)
        wanted = {f.upper() for f in fetch}
        wanted |= {"ALLINVENTORYENTRIES.LIST" for f in fetch if f.upper() == "ALLINVENTORYENTRIES"}
        wanted |= {"LEDGERENTRIES.LIST" for f in fetch if f.upper() == "ALLLEDGERENTRIES"}
        for field, value in obj.items():
            if field not in wanted and not (field == "ADDRESS" and "ADDRESS" in wanted):
                continue
            if field == "ADDRESS":
                holder = etree.SubElement(node, "ADDRESS.LIST", TYPE="String")
                for line in value:
                    etree.SubElement(holder, "ADDRESS").text = line
            elif isinstance(value, list):
                for item in value:
                    self._entry(node, field, item)
            else:
                self._scalar(node, field, value)
        return node

    def _entry(self, parent: etree._Element, tag: str, item: dict[str, Any]) -> None:
        entry = etree.SubElement(parent, tag)
        for key, inner in item.items():
            if isinstance(inner, list):  # a list inside a line (ACCOUNTINGALLOCATIONS.LIST)
                for sub in inner:
                    self._entry(entry, key, sub)
            else:
                self._scalar(entry, key, inner)

    def _scalar(self, parent: etree._Element, field: str, value: Any) -> None:
        child = etree.SubElement(parent, field)
        text = str(value)
        if field in AMOUNTS:
            child.set("TYPE", "Amount")
            if self.dr_cr_amounts and text.strip():
                number = float(text)
                text = f"{abs(number):.2f} {'Dr' if number < 0 else 'Cr'}"
        elif field in ("MASTERID", "ALTERID"):
            child.set("TYPE", "Number")
        elif field == "DATE":
            child.set("TYPE", "Date")
        child.text = text

    def _import(self, request: etree._Element) -> etree._Element:
        company, error = self._company(request, "BODY/IMPORTDATA/REQUESTDESC/STATICVARIABLES/SVCURRENTCOMPANY")
        counts = dict.fromkeys(("CREATED", "ALTERED", "DELETED", "LASTVCHID", "LASTMID", "COMBINED", "IGNORED",
                                "ERRORS", "CANCELLED", "EXCEPTIONS"), 0)
        errors: list[str] = [error] if error else []
        if company is None and not error:
            errors.append("Could not set 'SVCurrentCompany' to ''")
        if company is not None:
            for message in request.iter("TALLYMESSAGE"):
                for obj in message:
                    if not isinstance(obj.tag, str):
                        continue
                    problem = self._apply(company, obj, counts)
                    if problem:
                        errors.append(problem)
                        counts["ERRORS"] += 1
        if self.reply_root == "response":
            root = etree.Element("RESPONSE")
            for text in errors:
                root.append(line_error(text))
            for name, value in counts.items():
                etree.SubElement(root, name).text = str(value)
            return root
        result = etree.Element("IMPORTRESULT")
        for name, value in counts.items():
            etree.SubElement(result, name).text = str(value)
        return envelope([*(line_error(t) for t in errors), result])

    def _fields(self, node: etree._Element) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "ADDRESS.LIST":
                fields["ADDRESS"] = [(a.text or "") for a in child]
            elif child.tag in LISTS:
                fields.setdefault(LISTS[child.tag], []).append(_item(child))
            else:
                fields[child.tag] = (child.text or "").strip()
        return fields

    def _apply(self, company: Company, node: etree._Element, counts: dict[str, int]) -> str | None:
        action = (node.get("ACTION") or node.get("Action") or "Create").strip().lower()
        fields = self._fields(node)
        for tag, field, value, message in self.rejections:
            if tag == node.tag and fields.get(field) == value:
                return message
        if node.tag == "VOUCHER":
            return self._voucher(company, node, fields, action, counts)
        if node.tag not in MASTERS:
            return f"Unknown object '{node.tag}'"
        name = (node.get("NAME") or fields.get("NAME") or "").strip()
        if not name:
            return f"{node.tag.title()} name is missing"
        parent = fields.get("PARENT")
        if node.tag == "LEDGER" and parent and parent.casefold() not in company.masters["GROUP"]:
            return f"Parent group '{parent}' does not exist"
        if node.tag == "STOCKITEM" and fields.get("BASEUNITS") and fields["BASEUNITS"].casefold() not in \
                company.masters["UNIT"]:
            return f"Unit '{fields['BASEUNITS']}' does not exist"
        existing = company.masters[node.tag].get(name.casefold())
        if action == "alter" and existing is None:
            return f"{node.tag.title()} '{name}' does not exist"
        if existing is not None:  # Create of an existing master alters it
            new_name = fields.pop("NAME", name)
            existing.update(fields)
            company.alter_master += 1
            existing["ALTERID"] = company.alter_master
            if new_name.casefold() != name.casefold():
                existing["NAME"] = new_name
                company.masters[node.tag][new_name.casefold()] = company.masters[node.tag].pop(name.casefold())
            counts["ALTERED"] += 1
            return None
        fields.pop("NAME", None)
        for hidden in ("GUID", "MASTERID", "ALTERID"):
            fields.pop(hidden, None)
        self.add_master(node.tag, name, company, **fields)
        counts["CREATED"] += 1
        counts["LASTMID"] = company.master_id
        return None

    def _voucher(self, company: Company, node: etree._Element, fields: dict[str, Any], action: str,
                 counts: dict[str, int]) -> str | None:
        for hidden in ("GUID", "MASTERID", "ALTERID"):
            fields.pop(hidden, None)
        if action == "alter":
            current = company.vouchers.get(node.get("REMOTEID") or "")
            if current is None:
                return f"Voucher '{node.get('REMOTEID')}' does not exist"
            problem = self._entries(company, {**current, **fields})
            if problem:
                return problem
            current.update(fields)
            company.alter_voucher += 1
            current["ALTERID"] = company.alter_voucher
            counts["ALTERED"] += 1
            return None
        vtype = fields.get("VOUCHERTYPENAME") or node.get("VCHTYPE") or ""
        if vtype.casefold() not in VOUCHER_TYPES:
            return f"Voucher Type '{vtype}' does not exist"
        if not re.fullmatch(r"\d{8}", fields.get("DATE", "")):
            return "Voucher date is missing"
        party = fields.get("PARTYLEDGERNAME")
        if party and party.casefold() not in company.masters["LEDGER"]:
            return f'Ledger "{party}" is not defined'
        problem = self._entries(company, fields)
        if problem:
            return problem
        made = self.add_voucher(vtype, fields.pop("DATE"), fields.pop("VOUCHERNUMBER", ""), party or "", company,
                                **{k: v for k, v in fields.items() if k not in ("VOUCHERTYPENAME", "PARTYLEDGERNAME")})
        counts["CREATED"] += 1
        counts["LASTVCHID"] = made["MASTERID"]
        return None

    def _entries(self, company: Company, fields: dict[str, Any]) -> str | None:
        """A voucher's ledger and stock lines as Tally checks them: every ledger and stock item named exists, a
        stock line's quantity and rate are in its item's base unit, and the amounts balance."""
        lines = fields.get("ALLINVENTORYENTRIES.LIST", [])
        ledgers = [*fields.get("LEDGERENTRIES.LIST", []),
                   *(a for line in lines for a in line.get("ACCOUNTINGALLOCATIONS.LIST", []))]
        for entry in ledgers:
            if entry.get("LEDGERNAME", "").casefold() not in company.masters["LEDGER"]:
                return f'Ledger "{entry.get("LEDGERNAME")}" is not defined'
        for line in lines:
            item = company.masters["STOCKITEM"].get(line.get("STOCKITEMNAME", "").casefold())
            if item is None:
                return f"Stock Item '{line.get('STOCKITEMNAME')}' does not exist"
            base = item.get("BASEUNITS", "")
            for tag, pattern in (("ACTUALQTY", QUANTITY), ("BILLEDQTY", QUANTITY), ("RATE", RATE)):
                text = line.get(tag, "")
                match = pattern.fullmatch(text) if text else None
                if text and (match is None or (match[2] or base).casefold() != base.casefold()):
                    return f"Unit '{match[2] if match else text}' does not exist for Stock Item '{item['NAME']}'"
        if fields.get("LEDGERENTRIES.LIST"):
            total = sum(_number(e.get("AMOUNT")) for e in (*fields["LEDGERENTRIES.LIST"], *lines))
            if abs(total) >= 0.005:
                return "Voucher totals do not match!"
        return None


def _item(node: etree._Element) -> dict[str, Any]:
    """One list entry of an imported voucher: its scalars, and the lists inside it (ACCOUNTINGALLOCATIONS.LIST)."""
    item: dict[str, Any] = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue
        if child.tag.endswith(".LIST") and len(child):
            item.setdefault(child.tag, []).append(_item(child))
        else:
            item[child.tag] = (child.text or "").strip()
    return item


def _number(text: Any) -> float:
    try:
        return float(str(text or "0").replace(",", ""))
    except ValueError:
        return 0.0
