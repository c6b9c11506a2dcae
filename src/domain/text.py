"""Text rules shared by the value objects, spelled so JSON Schema reads them the same way."""

from __future__ import annotations

# The characters str.isspace() (and so str.strip() and Python's \s) counts as whitespace,
# as a regex character-class body: ECMA-262's \s, which OpenAPI patterns use, differs.
WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680"
    "\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# No text field may contain a NUL character; as a regex escape.
NUL = "\\x00"
