"""Counted nouns in the product's messages: "1 record", "3 records" (the engine's, the services' and the window's)."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """ "1 error", "2 errors" (or the given plural)."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"
