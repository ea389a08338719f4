"""The bits of PHP's behaviour Perfex's stored values depend on: its random hashes and serialize().

Perfex (application/helpers/general_helper.php)::

    function app_generate_hash()
    {
        return md5(rand() . microtime() . time() . uniqid());
    }

It is used for an invoice's, an estimate's and a lead's `hash` (public links) and, in Perfex 3, a ticket's
`ticketkey` (2.x: ``md5(uniqid(time(), true))``): 32 lowercase hex characters. Ours have the same form,
from `secrets` (guessable values in a public link would be a hole, and md5 of a clock is guessable).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

HASH_LENGTH = 32
_ITEM = re.compile(r'i:\d+;(?:s:\d+:"([^"]*)"|i:(-?\d+));')


def app_generate_hash() -> str:
    """A value of the form app_generate_hash() returns (32 hex characters), from a CSPRNG."""
    return secrets.token_hex(HASH_LENGTH // 2)


def serialize_flags(flags: Mapping[str, int]) -> str:
    """PHP's serialize() of an array of string keys to ints: ``a:2:{s:3:"one";i:1;s:3:"two";i:0;}``."""
    items = "".join(f's:{len(key.encode())}:"{key}";i:{int(value)};' for key, value in flags.items())
    return f"a:{len(flags)}:{{{items}}}"


def unserialize_list(text: str | None) -> list[str] | None:
    """The values of a PHP-serialized list (``a:2:{i:0;s:1:"1";i:1;i:2;}`` -> ["1", "2"]); None when `text`
    is not one (Perfex's own code reads such an option with @unserialize and uses it only if it is an array)."""
    if not text or not text.startswith("a:"):
        return None
    # findall gives "" for the alternative that did not match: a string item or an int item
    return [number or string for string, number in _ITEM.findall(text)]
