"""The profile file's JSON Schema, generated from the typed model and shipped beside it, so an editor checks
a profile file as it is written (a JSON file names it in "$schema"; a TOML file in a `#:schema` comment,
which Taplo-based editors read).

`python -m erpsync_gui.config.schema` writes the shipped file again after a model change; `--check` exits 1
when the shipped file is stale (a test runs it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from erpsync_gui.config.profile_model import profile_model

SCHEMA_PATH = Path(__file__).with_name("profile.schema.json")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def profile_schema() -> dict[str, Any]:
    """The schema of a profile file: every key under the name a person writes (aliases), one branch per
    connector kind on each side."""
    schema = profile_model().model_json_schema(by_alias=True, mode="validation")
    return {"$schema": DRAFT, "title": "ERPSync profile",
            "description": "A profile: the CRM, the ERP, the entities with their field rows, and the schedule. "
                           "Secrets never go in this file: store them with `erpsync secret set`.",
            **{k: v for k, v in schema.items() if k not in ("title", "description")}}


def schema_text() -> str:
    return json.dumps(profile_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m erpsync_gui.config.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped schema is stale")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is stale: run `python -m erpsync_gui.config.schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"written to {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
