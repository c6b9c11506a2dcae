"""Search: the words of a text as the search index holds them, and what a query asks for.

Words are made here, in one pure function, for the text and for the query alike, so every
database matches the same words: the index stores them as they are (SQLite FTS5 with its
``ascii`` tokenizer, which splits on ASCII spaces and punctuation only and folds nothing
beyond ASCII; PostgreSQL's ``array_to_tsvector``, which takes lexemes verbatim), and neither
database's own word rules (FTS5's Unicode tables, PostgreSQL's locale-dependent parser) decide
anything.

The rules:

- The text is NFKC-normalised and case-folded (fullwidth ``ABC``, ``Abc`` and ``ABC`` are ``abc``;
  ``Straße`` is ``strasse``).
- Generic accents are dropped: the marks of the Combining Diacritical Marks blocks after a
  canonical decomposition (``café`` is ``cafe``, ``Ångström`` is ``angstrom``). Marks that
  belong to a script (Devanagari signs, Japanese voicing marks, Hebrew points) stay: they
  make a different word there.
- A word is a run of letters (L*), digits and other numbers (N*) and marks (M*, part of the
  letter before them). Anything else separates words, ``_`` included: ``snake_case`` is the
  two words ``snake`` and ``case``; ``abc123`` is one word. A run without spaces in a script
  written without them (Chinese, Japanese) is one word.
- A word longer than ``MAX_WORD_LENGTH`` is cut to that length (on both sides, so it still
  matches itself): PostgreSQL keeps lexemes under 2 KB.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from domain.errors import ValidationError
from domain.tweet_entities import canonical_hashtag
from domain.users import canonical_username

MAX_WORD_LENGTH = 100
MIN_QUERY_LENGTH = 1
MAX_QUERY_LENGTH = 200
FROM = "from:"

_DIACRITICS = (
    (0x0300, 0x036F),  # Combining Diacritical Marks
    (0x1AB0, 0x1AFF),  # ... Extended
    (0x1DC0, 0x1DFF),  # ... Supplement
    (0x20D0, 0x20FF),  # ... for Symbols
    (0xFE20, 0xFE2F),  # Combining Half Marks
)


def _is_diacritic(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _DIACRITICS)


def _is_word_character(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMN"


def fold(text: str) -> str:
    """NFKC, case folding, then no generic accents: the form words are compared in, and
    names by ``/search/users`` (``jose`` finds José)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFD", folded)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not _is_diacritic(c)))


def search_words(text: str) -> list[str]:
    """The words of ``text`` in order, repeats included (see the module's rules)."""
    words: list[str] = []
    current: list[str] = []
    for char in fold(text):
        if _is_word_character(char):
            current.append(char)
        elif current:
            words.append("".join(current)[:MAX_WORD_LENGTH])
            current = []
    if current:
        words.append("".join(current)[:MAX_WORD_LENGTH])
    return words


def index_words(text: str) -> list[str]:
    """What the index holds for a tweet's text: its distinct words, in order."""
    return list(dict.fromkeys(search_words(text)))


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """What ``GET /search/tweets?q=`` asks for: tweets with every word, by every author named
    (``from:``, canonical usernames: more than one distinct name matches nothing) and with
    every hashtag (folded)."""

    words: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def parse(cls, query: str) -> SearchTerms:
        """``q`` split on white space: ``from:name`` (``from:@name`` too) names an author,
        ``#tag`` a hashtag (as hashtags are read; ``#123`` is the word ``123``), the rest is
        words. 1-200 characters, and at least one word, author or tag."""
        if not MIN_QUERY_LENGTH <= len(query) <= MAX_QUERY_LENGTH:
            raise ValidationError.single(
                "q", f"must be {MIN_QUERY_LENGTH}-{MAX_QUERY_LENGTH} characters"
            )
        words: list[str] = []
        authors: list[str] = []
        tags: list[str] = []
        for term in query.split():
            if term[: len(FROM)].casefold() == FROM and len(term) > len(FROM):
                authors.append(canonical_username(term[len(FROM) :].removeprefix("@")))
                continue
            tag = canonical_hashtag(term[1:]) if term.startswith("#") else None
            if tag is not None:
                tags.append(tag)
            else:
                words.extend(search_words(term))
        terms = cls(_distinct(words), _distinct(authors), _distinct(tags))
        if not (terms.words or terms.authors or terms.tags):
            raise ValidationError.single("q", "must contain a word, from:username or #tag")
        return terms


def _distinct(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (in code point
    order, as SQLite and PostgreSQL's "C" collation compare): ``prefix`` with its last
    character incremented. None if there is none (only U+10FFFF at the end)."""
    stripped = prefix.rstrip(chr(0x10FFFF))
    if not stripped:
        return None
    point = ord(stripped[-1]) + 1
    if 0xD800 <= point <= 0xDFFF:  # surrogates are no characters: UTF-8 cannot hold them
        point = 0xE000
    return stripped[:-1] + chr(point)
