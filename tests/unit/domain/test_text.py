"""Blank text: text that shows nothing is empty text."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.text import is_blank
from domain.tweets import TweetText

INVISIBLE = {
    "\u200b": "zero width space",
    "\u200c": "zero width non-joiner",
    "\u200d": "zero width joiner",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    **{chr(c): f"bidi embedding or override U+{c:04X}" for c in range(0x202A, 0x202F)},
    **{chr(c): f"word joiner or invisible operator U+{c:04X}" for c in range(0x2060, 0x2065)},
    **{chr(c): f"bidi isolate U+{c:04X}" for c in range(0x2066, 0x206A)},
    "\u2800": "braille pattern blank",
    "\u3164": "hangul filler",
    "\u115f": "hangul choseong filler",
    "\u1160": "hangul jungseong filler",
    "\uffa0": "halfwidth hangul filler",
    "\u180e": "mongolian vowel separator",
    "\ufeff": "byte order mark",
    "\u00ad": "soft hyphen",
    "\ufe0f": "variation selector 16",
    "\U000e0041": "tag latin capital letter a",
}
SURROUNDINGS = [("", ""), (" ", " "), ("\n", "\t"), ("\u3000\n ", " \r\n")]


@pytest.mark.parametrize("char", list(INVISIBLE), ids=list(INVISIBLE.values()))
@pytest.mark.parametrize(("before", "after"), SURROUNDINGS)
def test_invisible_characters_and_whitespace_alone_are_blank(
    char: str, before: str, after: str
) -> None:
    text = before + char * 3 + after

    assert is_blank(text)
    with pytest.raises(ValidationError) as raised:
        TweetText.parse(text, has_image=False)
    assert [e.field for e in raised.value.errors] == ["text"]
    assert TweetText.parse(text, has_image=True).value == ""


def test_every_invisible_character_together_is_blank() -> None:
    assert is_blank(" \n".join(INVISIBLE))


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        pytest.param("\u200bhi\u200b", "\u200bhi\u200b", id="visible-between-invisibles"),
        pytest.param(" \u2764\ufe0f ", "\u2764\ufe0f", id="emoji-keeps-its-selector"),
        pytest.param("\u200d.", "\u200d.", id="a-dot"),
        pytest.param("\u0915\u200d\u094d", "\u0915\u200d\u094d", id="joiner-in-a-script"),
    ],
)
def test_text_with_anything_visible_is_not_blank(text: str, stored: str) -> None:
    assert not is_blank(text)
    assert TweetText.parse(text, has_image=False).value == stored
