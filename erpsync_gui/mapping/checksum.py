"""Checksums of canonical records: the same data gives the same digest in any run, process or key order."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys; anything json cannot encode is written as its str()."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def checksum_of(canonical: Mapping[str, Any]) -> str:
    """sha256 hex of a canonical dict (as EntityMapping.canonical returns it)."""
    return hashlib.sha256(canonical_json(canonical).encode("utf-8")).hexdigest()
