"""The fast checksum and digest paths give exactly the bytes the standard library's JSON gave, so checksums and
merge snapshots stored by earlier versions still compare equal."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erpsync_gui.mapping.checksum import canonical_bytes, checksum_of, field_digest

#: every character that can be written as UTF-8 (lone surrogates cannot)
ALL_CHARS = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def stdlib_checksum(canonical: dict) -> str:
    """The checksum as it was computed before the fast path."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stdlib_digest(value: object) -> str:
    """A snapshot's field digest as it was computed before the fast path."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def test_every_character_gives_the_same_bytes():
    canonical = {"all": ALL_CHARS, ALL_CHARS[:4000]: "key", "none": None, "yes": True, "no": False,
                 "big": 2**64 - 1, "small": -(2**63), "zero": 0}
    assert canonical_bytes(canonical) == json.dumps(canonical, sort_keys=True, separators=(",", ":"),
                                                    ensure_ascii=False).encode("utf-8")
    assert checksum_of(canonical) == stdlib_checksum(canonical)
    assert field_digest(ALL_CHARS) == stdlib_digest(ALL_CHARS)


def test_values_the_fast_path_leaves_alone_keep_their_bytes():
    # floats, numbers beyond 64 bits, Decimals and nested values take the standard library's way
    for value in (1.5, 1e16, float("nan"), 2**70, -(2**70), Decimal("1.10"), [1, {"b": 1, "a": 2}],
                  {"z": [None, True], "a": "x"}, ("t", 1), "", "\u2028\x7f\x00\n"):
        assert checksum_of({"k": value}) == stdlib_checksum({"k": value}), value
        assert field_digest(value) == stdlib_digest(value), value
    assert checksum_of({1: "a", 2: "b"}) == stdlib_checksum({1: "a", 2: "b"})
    with pytest.raises(TypeError):  # as before: keys that cannot be sorted together
        checksum_of({1: "a", "b": 2})


def test_a_repeated_text_value_keeps_its_digest():
    assert field_digest("Cluj") == field_digest("Cluj") == stdlib_digest("Cluj")
    assert field_digest("1") != field_digest(1) != field_digest(True)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _SCALARS, max_size=12))
def test_any_flat_record_gives_the_same_checksum(canonical):
    assert checksum_of(canonical) == stdlib_checksum(canonical)
    for value in canonical.values():
        assert field_digest(value) == stdlib_digest(value)
