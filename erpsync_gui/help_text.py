"""The bundled user guide (resources/help/*.html): its topics, and each page as plain text for
`erpsync help [topic]`. The desktop app shows the same pages in its help window. No Qt here."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from erpsync_gui.errors import ConfigError
from erpsync_gui.resource_files import resources_dir


@dataclass(frozen=True)
class Topic:
    name: str
    title: str

    @property
    def file(self) -> str:
        return f"{self.name}.html"


#: a page per screen, then the troubleshooting table; the names are what `erpsync help TOPIC` takes
TOPICS = (
    Topic("index", "Getting started"),
    Topic("dashboard", "Dashboard"),
    Topic("sync", "Sync and schedule"),
    Topic("connections", "Connections"),
    Topic("mappings", "Mappings"),
    Topic("logs", "Logs"),
    Topic("errors", "Errors"),
    Topic("conflicts", "Conflicts"),
    Topic("keyboard", "Menus and keyboard"),
    Topic("troubleshooting", "Troubleshooting"),
    Topic("webhooks", "Webhooks"),
)
_BY_NAME = {t.name: t for t in TOPICS}


def help_dir() -> Path:
    return resources_dir() / "help"


def topic(name: str | None) -> Topic:
    """The topic of that name (the guide's first page for None); ConfigError naming the topics otherwise."""
    if not name:
        return TOPICS[0]
    key = name.strip().lower()
    found = _BY_NAME.get(key) or next((t for t in TOPICS if t.name.startswith(key)), None)
    if found is None:
        raise ConfigError(f"No help topic {name!r}", hint=f"topics: {', '.join(t.name for t in TOPICS)}")
    return found


def topic_path(name: str | None) -> Path:
    return help_dir() / topic(name).file


class _Text(HTMLParser):
    """HTML of the guide to plain text: headings underlined, list items bulleted, links as their text; a
    two-column table as aligned lines, a wider one as one block per row with its header's names."""

    _BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "li", "tr", "table", "ul", "ol", "pre", "dt", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._cells: list[str] | None = None
        self._rows: list[tuple[bool, list[str]]] = []
        self._header = False
        self._skip = 0
        self._heading: str | None = None
        self._pre = False

    def _flush(self) -> None:
        text = "".join(self._line)
        self._line = []
        text = text if self._pre else re.sub(r"\s+", " ", text).strip()
        if not text:
            return
        if self._heading:
            self.lines += ["", text, ("=" if self._heading == "h1" else "-") * len(text)]
        else:
            self.lines.append(text)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("style", "script", "head"):
            self._skip += 1
        elif tag in ("td", "th") and self._cells is not None:
            self._line = []
            self._header = self._header or tag == "th"
        elif tag == "tr":
            self._flush()
            self._cells = []
        elif tag in self._BLOCKS:
            self._flush()
            if tag in ("h1", "h2", "h3"):
                self._heading = tag
            elif tag == "li":
                self._line.append("- ")
            elif tag == "pre":
                self._pre = True
            elif tag == "p":
                self.lines.append("")
        elif tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cells is not None:
            self._cells.append(re.sub(r"\s+", " ", "".join(self._line)).strip())
            self._line = []
        elif tag == "tr" and self._cells is not None:
            self._rows.append((self._header, self._cells))
            self._cells, self._header = None, False
        elif tag == "table":
            self._flush()
            self._table()
        elif tag in self._BLOCKS:
            self._flush()
            self._heading = None
            if tag == "pre":
                self._pre = False

    def _table(self) -> None:
        rows, self._rows = self._rows, []
        names = next((cells for header, cells in rows if header), [])
        body = [cells for header, cells in rows if not header]
        if all(len(cells) <= 2 for cells in body):
            width = min(24, max((len(cells[0]) for cells in body if cells), default=0))
            self.lines += [f"  {cells[0]:<{width}}  {' '.join(cells[1:])}".rstrip() for cells in body]
            return
        for cells in body:
            self.lines.append("")
            self.lines += textwrap.wrap(f"* {cells[0]}", 100, subsequent_indent="  ")
            for name, cell in zip(names[1:], cells[1:], strict=False):
                self.lines += textwrap.wrap(f"{name}: {cell}", 100, initial_indent="  ", subsequent_indent="    ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._line.append(data)

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for line in self.lines:
            if not line and (not out or not out[-1]):
                continue
            if len(line) > 100 and not line.startswith(" "):
                indent = "  " if line.startswith("- ") else ""
                out += textwrap.wrap(line, 100, subsequent_indent=indent)
            else:
                out.append(line)
        return "\n".join(out).strip() + "\n"


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()


def topic_text(name: str | None) -> str:
    """One page of the guide as plain text; ConfigError when the topic or its file is missing."""
    path = topic_path(name)
    try:
        return html_to_text(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"The user guide page {path} cannot be read: {exc}",
                          hint="reinstall ERPSync; the guide ships with it") from None


def topics_text() -> str:
    """The list of topics, for `erpsync help` without a topic."""
    width = max(len(t.name) for t in TOPICS)
    lines = ["Topics of the ERPSync user guide (erpsync help TOPIC):", ""]
    lines += [f"  {t.name:<{width}}  {t.title}" for t in TOPICS]
    return "\n".join(lines) + "\n"
