"""Mentions and hashtags read from a tweet's text: concrete examples, then properties."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from domain.tweet_entities import (
    MAX_HASHTAG_LENGTH,
    MAX_HASHTAGS,
    MAX_MENTIONS,
    canonical_hashtag,
    fold_hashtag,
    hashtags,
    is_word_character,
    mention_candidates,
    resolved_mentions,
)
from domain.users import is_username

MENTIONS = {
    "@alice": ["alice"],
    "hi @alice": ["alice"],
    "@Alice and @ALICE": ["alice"],
    "(@alice)": ["alice"],
    "@alice, @bob.": ["alice", "bob"],
    "@alice's cat": ["alice"],
    "cc:@alice": ["alice"],
    "🎉@alice🎉": ["alice"],
    "@al": [],
    "@abc": ["abc"],
    "@" + "a" * 30: ["a" * 30],
    "@" + "a" * 31: [],
    "@abc_defghijklmnopqrstuvwxyz0123456789": [],
    "a@b": [],
    "alice@example.com": [],
    "@alice@example.org": [],
    "é@alice": [],
    "_@alice": [],
    "1@alice": [],
    "@abcé": [],
    "@abc\u0301": [],
    "@ alice": [],
    "@": [],
    "@@alice": ["alice"],
    "@bob @alice @bob": ["bob", "alice"],
    "https://chirp.example/@alice": ["alice"],
}


@pytest.mark.parametrize(("text", "expected"), list(MENTIONS.items()))
def test_mention_examples(text: str, expected: list[str]) -> None:
    assert mention_candidates(text) == expected


HASHTAGS = {
    "#chirp": ["chirp"],
    "#Chirp #CHIRP #chirp": ["chirp"],
    "#café": ["café"],
    "#CAFÉ": ["café"],
    "#cafe\u0301": ["café"],
    "#\uff23\uff21\uff26\uff25": ["cafe"],  # fullwidth CAFE
    "#Straße": ["strasse"],
    "#ﬁsh": ["fish"],
    "#123": [],
    "#\uff11\uff12\uff13": [],  # fullwidth 123
    "#٣٤": [],
    "#123abc": ["123abc"],
    "#_": ["_"],
    "#x": ["x"],
    "#tag!": ["tag"],
    "#tag.": ["tag"],
    "#tag, #other": ["tag", "other"],
    "#tag's": ["tag"],
    "(#tag)": ["tag"],
    "«#tag»": ["tag"],
    "#tag🎉": ["tag"],
    "🎉#tag": ["tag"],
    "#tag-line": ["tag"],
    "x#tag": [],
    "é#tag": [],
    "1#tag": [],
    "#one#two": [],
    "#": [],
    "# tag": [],
    "##tag": ["tag"],
    "#हिन्दी": ["हिन्दी"],
    "#東京": ["東京"],
    "#" + "a" * MAX_HASHTAG_LENGTH: ["a" * MAX_HASHTAG_LENGTH],
    "#" + "a" * (MAX_HASHTAG_LENGTH + 1): [],
    # Folding makes it 51 characters long: no tag rather than a tag no one wrote.
    "#" + "a" * 49 + "ß": [],
    # Compatibility forms that hold a space or a middle dot.
    "#\ufdfa": [],
    "#\u0140": [],
    "#b #a #B": ["b", "a"],
}


@pytest.mark.parametrize(("text", "expected"), list(HASHTAGS.items()))
def test_hashtag_examples(text: str, expected: list[str]) -> None:
    assert hashtags(unicodedata.normalize("NFC", text)) == expected


def test_at_most_ten_hashtags_the_first_ones() -> None:
    text = " ".join(f"#tag{i}" for i in range(15))
    assert hashtags(text) == [f"tag{i}" for i in range(MAX_HASHTAGS)]


def test_repeats_do_not_count_towards_the_limit() -> None:
    text = "#a #A " + " ".join(f"#t{i}" for i in range(12))
    assert hashtags(text) == ["a"] + [f"t{i}" for i in range(MAX_HASHTAGS - 1)]


def test_every_mention_candidate_is_listed_and_the_first_ten_that_resolve_are_kept() -> None:
    names = [f"user{i}" for i in range(20)]
    candidates = mention_candidates(" ".join(f"@{name}" for name in names))
    assert candidates == names
    existing = {name for name in names if name not in {"user0", "user5"}}
    assert resolved_mentions(candidates, existing) == [
        "user1",
        "user2",
        "user3",
        "user4",
        "user6",
        "user7",
        "user8",
        "user9",
        "user10",
        "user11",
    ]
    assert len(resolved_mentions(candidates, set(names))) == MAX_MENTIONS
    assert resolved_mentions(candidates, {"user19", "user3"}) == ["user3", "user19"]
    assert resolved_mentions(candidates, set()) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Chirp", "chirp"),
        ("\uff23\uff21\uff26\uff25", "cafe"),
        ("cafe\u0301", "café"),
        ("123", None),
        ("", None),
        ("#chirp", None),
        ("two words", None),
        ("a" * (MAX_HASHTAG_LENGTH + 1), None),
    ],
)
def test_canonical_hashtag_of_a_name_written_without_its_sign(
    name: str, expected: str | None
) -> None:
    assert canonical_hashtag(name) == expected


# Properties.

WORD_CHARACTERS = st.characters(categories=("L", "M", "Nd")) | st.just("_")
ASCII_NAME_CHARACTERS = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
)
usernames = st.text(ASCII_NAME_CHARACTERS, min_size=3, max_size=30)
tag_names = st.text(WORD_CHARACTERS, min_size=1, max_size=MAX_HASHTAG_LENGTH)
# Characters that end a name: anything but a word character or a sigil.
separators = st.text(
    st.characters(exclude_characters="@#", exclude_categories=("L", "M", "Nd", "Cs")).filter(
        lambda c: c != "_"
    ),
    min_size=1,
    max_size=3,
)


@given(st.text())
@example("#" + "\u0345" * 3)
@example("@" * 100 + "#" * 100)
def test_any_text_gives_well_formed_lists(text: str) -> None:
    tags = hashtags(text)
    candidates = mention_candidates(text)
    assert len(tags) <= MAX_HASHTAGS
    assert len(set(tags)) == len(tags)
    assert all(canonical_hashtag(tag) == tag for tag in tags)
    assert len(set(candidates)) == len(candidates)
    assert all(is_username(name) and name == name.lower() for name in candidates)


@given(st.text())
def test_listed_forms_read_back_as_themselves(text: str) -> None:
    tags = hashtags(text)
    for tag in tags:
        assert hashtags("#" + tag) == [tag]
        assert fold_hashtag(tag) == tag
    assert hashtags(" ".join("#" + tag for tag in tags)) == tags
    candidates = mention_candidates(text)
    assert mention_candidates(" ".join("@" + name for name in candidates)) == candidates


@given(tag_names)
def test_folding_is_idempotent(name: str) -> None:
    folded = fold_hashtag(name)
    assert fold_hashtag(folded) == folded


@given(st.characters(), usernames, st.sampled_from(["", " ", ".", "!", "🎉", "\n"]))
def test_a_mention_starts_at_the_start_or_after_a_non_word_character(
    before: str, name: str, after: str
) -> None:
    expected = [] if is_word_character(before) else [name.lower()]
    assert mention_candidates(before + "@" + name + after) == expected


@given(st.characters(), tag_names)
def test_a_hashtag_starts_at_the_start_or_after_a_non_word_character(
    before: str, name: str
) -> None:
    folded = canonical_hashtag(name)
    expected = [] if is_word_character(before) or folded is None else [folded]
    assert hashtags(before + "#" + name) == expected


@given(usernames, st.text(ASCII_NAME_CHARACTERS, min_size=1, max_size=40))
def test_a_longer_run_is_never_cut_into_a_mention(name: str, more: str) -> None:
    text = "@" + name + more
    expected = [(name + more).lower()] if len(name + more) <= 30 else []
    assert mention_candidates(text) == expected


@given(st.text(WORD_CHARACTERS, min_size=MAX_HASHTAG_LENGTH + 1, max_size=MAX_HASHTAG_LENGTH + 20))
def test_a_longer_run_is_never_cut_into_a_hashtag(name: str) -> None:
    # Lengths count after NFC, as a tweet's text is stored: "A" + U+0323 is one letter.
    assume(len(unicodedata.normalize("NFC", name)) > MAX_HASHTAG_LENGTH)
    assert hashtags("#" + name) == []


@given(st.text(st.characters(categories=("Nd",)), min_size=1, max_size=MAX_HASHTAG_LENGTH - 1))
def test_a_hashtag_of_only_digits_is_none(digits: str) -> None:
    assert hashtags("#" + digits) == []
    assert hashtags("#" + digits + "a") != []


# Fullwidth forms of letters and digits (not of "_": U+FF3F is punctuation, it ends a tag).
@given(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=50))
def test_case_and_width_do_not_make_another_hashtag(name: str) -> None:
    assume(not name.isdecimal())
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in name.upper())
    assert hashtags("#" + name.upper()) == [name]
    assert hashtags("#" + fullwidth) == [name]
    assert hashtags(f"#{name} #{name.upper()} #{fullwidth}") == [name]


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("#"), tag_names),
            st.tuples(st.just("@"), usernames),
            st.tuples(st.just(""), st.text(WORD_CHARACTERS, min_size=1, max_size=10)),
        ),
        max_size=40,
    ),
    st.data(),
)
def test_order_of_first_appearance_without_repeats(
    tokens: list[tuple[str, str]], data: st.DataObject
) -> None:
    text = "".join(sigil + name + data.draw(separators) for sigil, name in tokens)
    expected_tags: list[str] = []
    expected_mentions: list[str] = []
    for sigil, name in tokens:
        if sigil == "#":
            tag = canonical_hashtag(name)
            if tag is not None and tag not in expected_tags:
                expected_tags.append(tag)
        elif sigil == "@" and name.lower() not in expected_mentions:
            expected_mentions.append(name.lower())
    assert hashtags(text) == expected_tags[:MAX_HASHTAGS]
    assert mention_candidates(text) == expected_mentions
