"""Each proof test prints its figures and, when the report runs it, adds them to the report's file.

`ERPSYNC_PROOF_FIGURES` names a JSON-lines file that `python -m tests.reliability` reads back. The lines are
also kept in `SHOWN`, which the suite's conftest prints in pytest's summary, so every run (CI's too, without
-s) shows the figures of each proof it ran.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

FIGURES_ENV = "ERPSYNC_PROOF_FIGURES"
#: the figure lines printed so far in this process
SHOWN: list[str] = []


def report(suite: str, **figures: Any) -> None:
    """Print one suite's figures and keep them for the report."""
    shown = ", ".join(f"{k} {_text(v)}" for k, v in figures.items())
    line = f"proof {suite}: {shown}"
    SHOWN.append(line)
    print("\n" + line)
    path = os.environ.get(FIGURES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"suite": suite, **figures}, default=str) + "\n")


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} {v}" for k, v in value.items()) + "}"
    return str(value)
