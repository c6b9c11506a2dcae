"""domain.search: the words a text is searched by, what a query asks for, prefix bounds."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.search import (
    MAX_WORD_LENGTH,
    SearchTerms,
    fold,
    index_words,
    prefix_upper_bound,
    search_words,
)

texts = st.text(max_size=300)


@given(texts)
@example("x" * 150 + " ok")
@example("ǰ ΐ ß ﬁ ẞ İ ı ꭰ Ꭰ")  # noqa: RUF001 (look-alikes are the point)
def test_words_are_runs_of_letters_marks_and_numbers(text: str) -> None:
    for word in search_words(text):
        assert 0 < len(word) <= MAX_WORD_LENGTH
        assert all(unicodedata.category(char)[0] in "LMN" for char in word), word


@given(texts)
@example("ǰ ΐ ß ﬁ ẞ İ ı ꭰ Ꭰ ǅ")  # noqa: RUF001
@example("x" * 150)
def test_the_words_of_a_text_are_their_own_words(text: str) -> None:
    # What a reader copies from the index's words finds them again (queries and texts go
    # through the same function).
    words = search_words(text)
    assert search_words(" ".join(words)) == words


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_ascii_words_are_lowercase_letters_and_digits(text: str) -> None:
    expected = [word[:MAX_WORD_LENGTH] for word in re.findall("[a-z0-9]+", text.lower())]
    assert search_words(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("snake_case kebab-case dot.case", ["snake", "case", "kebab", "case", "dot", "case"]),
        ("abc123 3.14", ["abc123", "3", "14"]),
        ("Café naïve Ångström", ["cafe", "naive", "angstrom"]),
        ("cafe\u0301", ["cafe"]),
        ("Straße STRASSE", ["strasse", "strasse"]),
        ("\uff26\uff35\uff2c\uff2c width \ufb01ne", ["full", "width", "fine"]),
        ("x² ½", ["x2", "1", "2"]),
        ("東京タワー に行く", ["東京タワー", "に行く"]),
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        ("が", ["が"]),  # a voicing mark is no generic accent
        ("emoji😀ok @alice #tag", ["emoji", "ok", "alice", "tag"]),
        ("zero\u200bwidth", ["zero", "width"]),
        ("", []),
        ("!!! ...", []),
    ],
)
def test_words_of_examples(text: str, words: list[str]) -> None:
    assert search_words(text) == words


def test_the_index_holds_each_word_once_in_order() -> None:
    assert index_words("b a B c a") == ["b", "a", "c"]


def test_fold_is_nfkc_case_folding_without_generic_accents() -> None:
    assert fold("JOSÉ \uff2a") == "jose j"
    assert fold("ǅemal") == "dzemal"


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Hello world", SearchTerms(("hello", "world"))),
        ("hello HELLO", SearchTerms(("hello",))),
        ("from:Alice", SearchTerms(authors=("alice",))),
        ("FROM:@alice from:ALICE hi", SearchTerms(("hi",), ("alice",))),
        ("from:alice from:bob", SearchTerms(authors=("alice", "bob"))),
        ("from:", SearchTerms(("from",))),
        ("#Python #python #Straße", SearchTerms(tags=("python", "strasse"))),
        ("#123 #a-b", SearchTerms(("123", "a", "b"))),
        ("a#b", SearchTerms(("a", "b"))),
        ("from:x#y #tag word", SearchTerms(("word",), ("x#y",), ("tag",))),
    ],
)
def test_a_query_is_words_authors_and_tags(query: str, terms: SearchTerms) -> None:
    assert SearchTerms.parse(query) == terms


@pytest.mark.parametrize("query", ["", "x" * 201, "   ", "!!!", "#", "# @ -", "\U0010ffff"])
def test_a_query_without_terms_or_of_a_bad_length_is_refused(query: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SearchTerms.parse(query)
    assert [error.field for error in raised.value.errors] == ["q"]


def test_a_query_of_200_characters_is_fine() -> None:
    assert SearchTerms.parse("x" * 200).words == ("x" * MAX_WORD_LENGTH,)


@given(st.text(max_size=5), st.text(min_size=1, max_size=3))
@example("b", "a\U0010ffff")
@example("\ue000", "\ud7ff")
@example("a\U0010ffff\U0010ffff", "a\U0010ffff")
def test_the_prefix_range_holds_exactly_the_strings_with_that_prefix(
    value: str, prefix: str
) -> None:
    upper = prefix_upper_bound(prefix)
    within = prefix <= value and (upper is None or value < upper)
    assert within == value.startswith(prefix)


def test_no_upper_bound_past_the_last_character() -> None:
    assert prefix_upper_bound("\U0010ffff") is None
    assert prefix_upper_bound("ab") == "ac"
