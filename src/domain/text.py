"""Text rules shared by the value objects, spelled so JSON Schema reads them the same way."""

from __future__ import annotations

import re

# The characters str.isspace() (and so str.strip() and Python's \s) counts as whitespace,
# as a regex character-class body: ECMA-262's \s, which OpenAPI patterns use, differs.
WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680"
    "\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# No text field may contain a NUL character; as a regex escape.
NUL = "\\x00"

# Characters that show nothing by themselves, as a regex character-class body: Unicode's
# Default_Ignorable_Code_Point (zero-width spaces and joiners, bidi controls, word joiner and
# invisible operators, Hangul fillers, the Mongolian vowel separator, variation selectors,
# the byte order mark, tags), plus U+2800 BRAILLE PATTERN BLANK, which renders as a space.
# Text is not trimmed of them (a variation selector may belong to the emoji before it): only
# text made of nothing else is blank.
# The part in the Basic Multilingual Plane is also valid in an ECMA-262 (JSON Schema) pattern.
INVISIBLE_BMP = (
    "\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f"
    "\\u202a-\\u202e\\u2060-\\u206f\\u2800\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufff8"
)
INVISIBLE = INVISIBLE_BMP + "\\U0001bca0-\\U0001bca3\\U0001d173-\\U0001d17a\\U000e0000-\\U000e0fff"

_BLANK = re.compile(f"[{WHITESPACE}{INVISIBLE}]*")


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: it is empty or only whitespace and invisible characters."""
    return _BLANK.fullmatch(text) is not None
