"""Text for columns whose character set holds no 4-byte character (MySQL's utf8mb3, Perfex's default).

MySQL refuses such a value with error 1366 and names neither the record nor the character; the
connector checks first and refuses the record with a message naming the field, or, when the endpoint
asks for it (`replace_4byte_chars`), puts U+FFFD REPLACEMENT CHARACTER in place of each such character.
"""

from __future__ import annotations

import re

from erpsync_gui.errors import PermanentError

#: characters outside the Basic Multilingual Plane: the ones UTF-8 writes in 4 bytes (emoji, rare CJK)
_WIDE = re.compile("[\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def narrow_text(table: str, column: str, value: str, *, replace: bool) -> str:
    """`value` fit for a utf8mb3 column: unchanged when it has no 4-byte character, else with them replaced
    (`replace`) or refused with a PermanentError naming the column."""
    if not _WIDE.search(value):
        return value
    if replace:
        return _WIDE.sub(REPLACEMENT, value)
    raise PermanentError(
        f"Column {table}.{column} cannot store 4-byte characters (such as emoji): its character set is utf8mb3",
        hint="remove the character in the source record, convert the table to utf8mb4, or turn on the "
             "endpoint option replace_4byte_chars")
