"""What the fake Tally reads and writes besides its state: TDL filter formulas (the forms a client sends:
`$Field = "text"`, `$Field > 12`, AND / OR, parentheses), Tally's dates, the reply envelope, and the HTTP
server (see tests/fakes/tally.py for the sources)."""

from __future__ import annotations

import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from tests.fakes.tally import TallyFake

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(\d+)|\$([\w.]+)|(>=|<=|!=|=|>|<)|(AND|OR)\b)', re.IGNORECASE)


def compile_formula(text: str) -> Callable[[dict], bool]:
    toks: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text.strip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"formula not understood near {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = next(i for i in range(1, 8) if m[i] is not None)
        toks.append((("(", ")", "str", "num", "field", "op", "join")[kind - 1], m[kind]))
    at = 0

    def take() -> tuple[str, Any]:
        nonlocal at
        at += 1
        return toks[at - 1]

    def atom() -> Callable[[dict], bool]:
        kind, value = take()
        if kind == "(":
            inner = expr()
            take()
            return inner
        field = value.upper()
        _, op = take()
        kind, want = take()
        ops = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
               "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}

        def test(obj: dict) -> bool:
            have = obj.get(field)
            if kind == "num":
                return ops[op](int(have or 0), int(want))
            return ops[op](str(have or "").casefold(), want.casefold())
        return test

    def expr() -> Callable[[dict], bool]:
        terms, joins = [atom()], []
        while at < len(toks) and toks[at][0] == "join":
            joins.append(take()[1].upper())
            terms.append(atom())
        def run(obj: dict) -> bool:
            result = terms[0](obj)
            for join, term in zip(joins, terms[1:], strict=True):
                result = (result and term(obj)) if join == "AND" else (result or term(obj))
            return result
        return run

    return expr()


def parse_date(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        return text
    m = re.fullmatch(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})", text)
    return f"{m[3]}{_MONTHS[m[2].lower()]:02d}{int(m[1]):02d}" if m else None


def line_error(text: str) -> etree._Element:
    node = etree.Element("LINEERROR")
    node.text = text
    return node


def envelope(data: list[etree._Element]) -> etree._Element:
    root = etree.Element("ENVELOPE")
    header = etree.SubElement(root, "HEADER")
    etree.SubElement(header, "VERSION").text = "1"
    etree.SubElement(header, "STATUS").text = "1"
    holder = etree.SubElement(etree.SubElement(root, "BODY"), "DATA")
    for node in data:
        holder.append(node)
    return root


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: TallyFake) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(b"<RESPONSE>TallyPrime Server is Running</RESPONSE>", "text/xml")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            answer, content_type = self.server.fake.handle(body, self.headers.get("Content-Type", ""))
        except (ValueError, etree.XMLSyntaxError) as exc:
            answer, content_type = f"<RESPONSE><LINEERROR>{type(exc).__name__}</LINEERROR></RESPONSE>".encode(), \
                "text/xml"
        self._send(answer, content_type)
