"""Record ids as they come back in a system's replies: checked before the engine may link anything to them.

A link ties two records for good, so an id that is not really one (a list, an object, infinity, an empty
text, a 10 kB string, one of the endpoint's own tokens echoed back) must never become a link: the reader
refuses it as a malformed reply instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

#: the longest id the state store keeps (links.crm_id / links.erp_id)
MAX_ID_LENGTH = 191
#: secrets shorter than this are too common as text to be refused inside ids
_MIN_SECRET = 8


def record_id_of(value: Any, secrets: Sequence[str] = ()) -> str | None:
    """`value` as a record id (text), or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        # JSON has no integers above 2**53 that survive a float, and inf/nan are no ids at all
        if not math.isfinite(value) or not value.is_integer():
            return None
        text = str(int(value))
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    if not text or len(text) > MAX_ID_LENGTH or not text.isprintable():
        return None
    if any(len(secret) >= _MIN_SECRET and secret in text for secret in secrets if secret):
        return None
    return text
