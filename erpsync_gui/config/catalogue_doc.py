"""The README's tables of connector kinds, auth kinds and entities, written from the catalogues themselves, so the
documentation cannot drift from what a profile may say.

`python -m erpsync_gui.config.catalogue_doc` rewrites the blocks between the README's markers; `--check`
exits 1 when they are stale (a test runs it).
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from pathlib import Path

from erpsync_gui.config.kinds import kinds
from erpsync_gui.config.options import option_keys
from erpsync_gui.entities import ENTITIES
from erpsync_gui.http.auth_kinds import AUTH_KINDS, SecretSpec
from erpsync_gui.records import Side

README = Path(__file__).resolve().parents[2] / "README.md"


def _secret(spec: SecretSpec) -> str:
    return f"`{spec.name}`" + ("" if spec.required else " (optional)")


def auth_table() -> str:
    rows = ["| `auth` | what it is | secrets (keyring) | options |", "|---|---|---|---|"]
    for kind in AUTH_KINDS.values():
        secrets = ", ".join(_secret(s) for s in kind.secrets) or "none"
        options = ", ".join(f"`{o}`" + (" (required)" if o in kind.required_options else "")
                            for o in kind.options) or "none"
        rows.append(f"| `{kind.name}` | {kind.label} | {secrets} | {options} |")
    return "\n".join(rows)


def systems_list() -> str:
    lines = []
    for kind in kinds().values():
        sides = " or ".join(s.value.upper() for s in (Side.CRM, Side.ERP) if s in kind.sides)
        auth = ", ".join(f"`{a}`" for a in kind.auth_kinds)
        own = sorted(option_keys(kind.options))
        secrets = ", ".join(_secret(s) for s in kind.secrets)
        parts = [f"- **{kind.label}** (`kind = \"{kind.name}\"`, {sides} side): {kind.description}.",
                 f"Sign-in: {auth}."]
        if secrets:
            parts.append(f"Own secrets: {secrets}.")
        if own:
            parts.append("Options: " + ", ".join(f"`{o}`" for o in own) + ".")
        lines.append(" ".join(parts))
    return "\n".join(lines)


def entities_table() -> str:
    """Each entity of the catalogue, its default direction and its table in each Perfex preset."""
    from erpsync_gui.connectors.sql_presets import PRESETS, EntityPreset

    def where(preset: EntityPreset | None) -> str:
        if preset is None:
            return "—"
        return " + ".join(f"`{t}`" for t in (preset.table, *(c.table for c in preset.children)))

    rows = ["| entity | default direction | CRM table (`perfex` preset) | CRM table (`smartcrm` preset) "
            "| needs the client token |", "|---|---|---|---|---|"]
    for name, entity in ENTITIES.items():
        tables = [where(PRESETS[p].get(name)) for p in ("perfex", "smartcrm")]
        rows.append(f"| `{name}` | {entity.default_direction.value} | {tables[0]} | {tables[1]} | "
                    f"{'yes' if entity.advanced else 'no'} |")
    return "\n".join(rows)


BLOCKS = {"systems": systems_list, "auth-table": auth_table, "entities": entities_table}


def _between_marks(match: re.Match[str], body: str) -> str:
    return match.group(1) + body + "\n" + match.group(2)


def rewrite(text: str) -> str:
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"the README has no <!-- {name} --> block")
        # a function, not a replacement string: the table's text is taken as it is, backslashes and all
        text = pattern.sub(functools.partial(_between_marks, body=make()), text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m erpsync_gui.config.catalogue_doc", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's tables are stale")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    wanted = rewrite(current)
    if args.check:
        if wanted != current:
            print("the README's catalogue tables are stale: run `python -m erpsync_gui.config.catalogue_doc`",
                  file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    print(f"written to {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
