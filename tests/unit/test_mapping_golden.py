"""The mapping layer's outputs for a varied set of records stay exactly as they were before its fast paths:
payloads (values and their types), canonical forms, checksums, field digests, common forms, key forms, diffs
and the error each bad value gives. Stored checksums and merge snapshots of existing users depend on it."""

from __future__ import annotations

import json

import pytest

from tests.unit.mapping_golden_kit import GOLDEN, outputs, pinned, short_hash


def _differences(expected: dict[str, str], texts: dict[str, list[str]]) -> list[str]:
    now = pinned(texts)
    shown = []
    for name in expected:
        if now.get(name) == expected[name]:
            continue
        before, after = expected[name].split(), (now.get(name) or "").split()
        changed = [i for i, (b, a) in enumerate(zip(before, after, strict=False)) if b != a]
        items = texts.get(name, [])
        detail = "; ".join(items[i] if i < len(items) else "?" for i in changed[:2]) if "/" in name else \
            "; ".join(items[i] for i in changed[:2] if i < len(items))
        shown.append(f"{name}: items {changed[:8]} differ, now: {detail[:600]}")
    return shown


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    return outputs()


def test_outputs_match_the_pinned_ones(texts):
    expected = json.loads(GOLDEN.read_text())
    assert set(pinned(texts)) == set(expected)
    differences = _differences(expected, texts)
    assert not differences, f"{len(differences)} differ:\n" + "\n".join(differences[:10])


def test_the_pinned_set_is_varied(texts):
    # the set must keep exercising both outcomes: payloads and the errors of bad values
    payloads = [items[5] for name, items in texts.items() if "/" in name]
    payloads += [text.split("\n")[5] for name, items in texts.items() if name.startswith("field ") for text in items]
    assert sum(p.startswith("{'") for p in payloads) > 1000
    assert sum(p.startswith("MappingError") for p in payloads) > 1000
    assert short_hash("a") != short_hash("b")
