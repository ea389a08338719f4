"""The suites' sizes: small enough for CI by default, larger by hand (`python -m tests.reliability --full`
sets the full sizes; each can also be set by its environment variable)."""

from __future__ import annotations

import os

FULL_ENV = "ERPSYNC_PROOF_FULL"


def _size(name: str, quick: int, full: int) -> int:
    given = os.environ.get(name)
    if given:
        return int(given)
    return full if os.environ.get(FULL_ENV) == "1" else quick


def records() -> int:
    """Records of the sandbox fault suite (half created in each system)."""
    return _size("ERPSYNC_PROOF_RECORDS", 1000, 10_000)


def fault_rate() -> float:
    return float(os.environ.get("ERPSYNC_PROOF_FAULT_RATE", "0.2"))


def kills() -> int:
    return _size("ERPSYNC_PROOF_KILLS", 5, 20)


def crash_records() -> int:
    return _size("ERPSYNC_PROOF_CRASH_RECORDS", 300, 2000)


def connector_records() -> int:
    """Records per named connector (half created on each side)."""
    return _size("ERPSYNC_PROOF_CONNECTOR_RECORDS", 100, 1000)


def seed() -> int:
    return int(os.environ.get("ERPSYNC_PROOF_SEED", "1"))
