"""Mentions and hashtags read from a tweet's text (as stored: NFC-normalised and trimmed).

The rules (API.md, Conversations, "Mentions and hashtags"), with the choices API.md leaves
open:

- A *word character* is a Unicode letter (categories L*), a combining mark (M*: it belongs to
  the letter before it, as in Devanagari or decomposed accents), a decimal digit (Nd) or
  ``_``. Anything else (spaces, punctuation, symbols, emoji) separates words.
- ``@`` and ``#`` count only at the start of the text or after a character that is not a word
  character: ``a@b`` and ``x#1`` are plain text. The name after them is the *whole* run of word
  characters that follows, never cut: a run too long or with characters a name cannot have
  makes no mention or hashtag at all (as Mastodon and Twitter, which never truncate a name).
  A run directly followed by its own sigil is plain text too (``@alice@example.org`` is an
  address elsewhere, ``#one#two`` is no tag), as in Twitter's extractor.
- A mention names 3-30 of ``[A-Za-z0-9_]`` (the username rule), so ``@bob``'s run must be
  that and nothing else: ``@abcé`` and ``@abc_defghijklmnopqrstuvwxyz0123456789`` mention no
  one. Candidates come in the canonical form usernames are looked up in; whether one names
  an existing active user is the caller's question (see ``resolved_mentions``).
- A hashtag is 1-50 word characters, not all digits, listed after NFKC and case folding. The
  folded form must itself be such a tag (a letter whose compatibility form holds a space or a
  dot, such as U+FDFA or U+0140, or one that makes the tag longer than 50, leaves no tag), so
  every listed form is a fixed point: ``#`` + form is read back as the same form.
- Both lists keep the order of first appearance, without repeats, at most 10 each; the rest
  stay plain text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence

from domain.users import canonical_username, is_username

MAX_MENTIONS = 10
MAX_HASHTAGS = 10
MAX_HASHTAG_LENGTH = 50


def is_word_character(char: str) -> bool:
    """A letter, combining mark, decimal digit or ``_``: what names are made of."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd" or char == "_"


def _names_after(text: str, sigil: str) -> Iterator[str]:
    """Every run of word characters after ``sigil`` at a word boundary, in order."""
    start = text.find(sigil)
    while start != -1:
        end = start + 1
        while end < len(text) and is_word_character(text[end]):
            end += 1
        preceded_by_word = start > 0 and is_word_character(text[start - 1])
        followed_by_sigil = text.startswith(sigil, end)
        if end > start + 1 and not preceded_by_word and not followed_by_sigil:
            yield text[start + 1 : end]
        start = text.find(sigil, end)


def _unique(values: Iterable[str], limit: int | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if limit is not None and len(seen) == limit:
            break
        seen.setdefault(value)
    return list(seen)


def mention_candidates(text: str) -> list[str]:
    """The usernames ``text`` mentions, canonical, in order of first appearance, no repeats.

    Not capped: only the caller knows which name an active user, and the first
    ``MAX_MENTIONS`` of those are the tweet's mentions (``resolved_mentions``).
    """
    return _unique(
        canonical_username(name) for name in _names_after(text, "@") if is_username(name)
    )


def resolved_mentions(candidates: Sequence[str], existing: Collection[str]) -> list[str]:
    """The first ``MAX_MENTIONS`` candidates that name an existing active user (``existing``
    holds canonical usernames, e.g. the result of one lookup of all the candidates)."""
    return [name for name in candidates if name in existing][:MAX_MENTIONS]


def fold_hashtag(name: str) -> str:
    """The form hashtags are compared and listed in: NFKC, case folded, NFKC again (case
    folding can undo a normalisation, e.g. U+0345 folds to a spacing iota)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _is_hashtag_name(name: str) -> bool:
    return (
        0 < len(name) <= MAX_HASHTAG_LENGTH
        and all(is_word_character(char) for char in name)
        and not name.isdecimal()
    )


def canonical_hashtag(name: str) -> str | None:
    """The folded form of a tag name written without its ``#`` (``/tags/{tag}``, ``#tag`` in a
    search), or None when ``#`` + ``name`` would be no hashtag."""
    name = unicodedata.normalize("NFC", name)
    if not _is_hashtag_name(name):
        return None
    folded = fold_hashtag(name)
    return folded if _is_hashtag_name(folded) else None


def hashtags(text: str) -> list[str]:
    """The hashtags of ``text``: folded, in order of first appearance, no repeats, at most
    ``MAX_HASHTAGS``."""
    folded = (canonical_hashtag(name) for name in _names_after(text, "#"))
    return _unique((tag for tag in folded if tag is not None), MAX_HASHTAGS)
