"""Checksums of canonical records: the same data gives the same digest in any run, process or key order.

The stored checksums and digests are those of the standard library's JSON text (sorted keys, UTF-8, anything
it cannot encode written as its str()). orjson writes the same bytes for the values a canonical record holds
(text, whole numbers, booleans, null; a test compares every character), many times faster, so it serves those;
anything else (floats, big numbers, other types) takes the standard library's way, and the bytes never change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

import orjson

#: value types orjson writes exactly as the standard library does (bool is its own type, not int's)
_PLAIN = frozenset({str, int, bool, type(None)})
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_sha256 = hashlib.sha256
_dumps = orjson.dumps
_SORT_KEYS = orjson.OPT_SORT_KEYS
_JSONEncodeError = orjson.JSONEncodeError
#: blake2b-64 with no data yet: a copy of it hashes a value as blake2b(value, digest_size=8) does, without the
#: cost of setting the parameters up again for each value
_BLAKE2B_64 = hashlib.blake2b(digest_size=8)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys; anything json cannot encode is written as its str()."""
    return _ENCODER.encode(value)


def canonical_bytes(canonical: Mapping[str, Any]) -> bytes:
    """canonical_json(canonical) as UTF-8 bytes."""
    if type(canonical) is dict and _PLAIN.issuperset(map(type, canonical.values())):
        try:
            return _dumps(canonical, option=_SORT_KEYS)
        except _JSONEncodeError:
            pass  # a key that is not text, a number beyond 64 bits, a lone surrogate: as the standard library does
    return canonical_json(canonical).encode("utf-8")


def checksum_of(canonical: Mapping[str, Any]) -> str:
    """sha256 hex of a canonical dict (as EntityMapping.canonical returns it)."""
    if type(canonical) is dict and _PLAIN.issuperset(map(type, canonical.values())):  # canonical_bytes, inline
        try:
            return _sha256(_dumps(canonical, option=_SORT_KEYS)).hexdigest()
        except _JSONEncodeError:
            pass
    return _sha256(canonical_json(canonical).encode("utf-8")).hexdigest()


def _scalar_json(value: Any) -> str | None:
    """The standard library's JSON text of a plain scalar (its own functions, so the same text), else None."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    return None


#: digests of text values seen lately (towns, countries, codes repeat across records); emptied when full
_TEXT_DIGESTS: dict[str, str] = {}
_TEXT_DIGESTS_MAX = 50_000


def _blake2b_64(data: bytes) -> str:
    digest = _BLAKE2B_64.copy()
    digest.update(data)
    return digest.hexdigest()


#: the digests of the values that are no text and come often
_NONE_DIGEST = _blake2b_64(b"null")
_TRUE_DIGEST = _blake2b_64(b"true")
_FALSE_DIGEST = _blake2b_64(b"false")


def text_digest(value: str) -> str:
    """field_digest of a text, worked out without the memo of recent texts (for a caller that keeps its own)."""
    digest = _BLAKE2B_64.copy()
    digest.update(encode_basestring(value).encode())
    return digest.hexdigest()


def field_digest(value: Any) -> str:
    """A short digest of one canonical field value: blake2b-64 hex of its JSON text (sorted keys, the
    standard library's default separators, UTF-8, str() for what JSON cannot encode)."""
    if type(value) is str:
        hit = _TEXT_DIGESTS.get(value)
        if hit is None:
            if len(_TEXT_DIGESTS) >= _TEXT_DIGESTS_MAX:
                _TEXT_DIGESTS.clear()
            hit = _TEXT_DIGESTS[value] = text_digest(value)
        return hit
    if value is None:
        return _NONE_DIGEST
    if value is True:
        return _TRUE_DIGEST
    if value is False:
        return _FALSE_DIGEST
    text = _scalar_json(value)
    if text is None:
        text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return _blake2b_64(text.encode())
