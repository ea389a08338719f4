"""Each proof test prints its figures and, when the report runs it, adds them to the report's file.

`ERPSYNC_PROOF_FIGURES` names a JSON-lines file that `python -m tests.reliability` reads back; without it
the figures are only printed (pytest shows them with -s, and in the captured output of a failure).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

FIGURES_ENV = "ERPSYNC_PROOF_FIGURES"


def report(suite: str, **figures: Any) -> None:
    """Print one suite's figures and keep them for the report."""
    shown = ", ".join(f"{k} {_text(v)}" for k, v in figures.items())
    print(f"\nproof {suite}: {shown}")
    path = os.environ.get(FIGURES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"suite": suite, **figures}, default=str) + "\n")


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} {v}" for k, v in value.items()) + "}"
    return str(value)
