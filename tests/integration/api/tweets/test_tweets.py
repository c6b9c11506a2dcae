"""Tweets, likes and the home feed: posting (JSON and multipart), the text rules, editing,
deleting, likes with exact counts, and what the feed shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import (
    API,
    Account,
    assert_problem,
    assert_unauthorized,
    bearer,
    error_fields,
)
from tests.support.contract import assert_timestamp, assert_tweet, assert_user_summary
from tests.support.image_samples import png_bytes
from tests.support.jobs import drain
from tests.support.tokens import forge_access_token
from tests.support.uploads import media_files

# The viewer's flags of a tweet as an anonymous reader sees it (its author sees false).
ANONYMOUS = {"liked_by_me": None, "reposted_by_me": None, "bookmarked_by_me": None}


async def post(client: httpx.AsyncClient, author: Account, body: str = "hello") -> dict[str, Any]:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    return assert_tweet(response.json())


async def get_tweet(
    client: httpx.AsyncClient, tweet_id: int, who: Account | None = None
) -> httpx.Response:
    return await client.get(f"{API}/tweets/{tweet_id}", headers=who.auth if who else None)


async def tweet_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT COUNT(*) FROM tweets"))).scalar_one())


async def tweets_count(client: httpx.AsyncClient, username: str) -> int:
    count: int = (await client.get(f"{API}/users/{username}")).json()["tweets_count"]
    return count


async def feed_ids(client: httpx.AsyncClient, reader: Account) -> list[int]:
    response = await client.get(f"{API}/feed", params={"limit": 100}, headers=reader.auth)
    assert response.status_code == 200, response.text
    for item in response.json()["items"]:
        assert_tweet(item)
    return [item["id"] for item in response.json()["items"]]


# --- POST /tweets ---


async def test_a_json_tweet_is_created_with_a_location(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.post(f"{API}/tweets", json={"text": "Hello, world"}, headers=alice.auth)

    assert response.status_code == 201, response.text
    tweet = assert_tweet(response.json())
    assert tweet["text"] == "Hello, world"
    assert tweet["image_url"] is None
    assert tweet["author"] == {"id": alice.user["id"], "username": "alice", "avatar_url": None}
    assert (tweet["edited_at"], tweet["like_count"], tweet["liked_by_me"]) == (None, 0, False)
    assert response.headers["location"] == f"http://testserver{API}/tweets/{tweet['id']}"
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == {**tweet, **ANONYMOUS}
    assert await tweets_count(client, "alice") == 1


@pytest.mark.parametrize(
    ("fields", "with_image", "expected_text"),
    [
        pytest.param({"text": "caption"}, True, "caption", id="text-and-image"),
        pytest.param({}, True, "", id="image-only"),
        pytest.param({"text": "  \n "}, True, "", id="blank-text-and-image"),
        pytest.param({"text": "just words"}, False, "just words", id="text-only"),
    ],
)
async def test_a_multipart_tweet(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    fields: dict[str, str],
    with_image: bool,
    expected_text: str,
) -> None:
    (alice,) = await insert_users(engine, "alice")
    files: dict[str, Any] = {name: (None, value) for name, value in fields.items()}
    if with_image:
        files["image"] = ("photo.png", png_bytes(), "image/png")

    response = await client.post(f"{API}/tweets", files=files, headers=alice.auth)

    assert response.status_code == 201, response.text
    tweet = assert_tweet(response.json())
    assert tweet["text"] == expected_text
    assert (tweet["image_url"] is not None) is with_image
    fetched = await client.get(response.headers["location"], headers=alice.auth)
    assert fetched.json() == tweet
    if with_image:
        image = await client.get(tweet["image_url"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"


TOO_LONG = "a" * 281
TEXT_RULES = [
    pytest.param("a" * 280, "a" * 280, id="280-chars"),
    pytest.param("  \n" + "a" * 280 + "\t ", "a" * 280, id="280-after-trimming"),
    pytest.param("\U0001f600" * 280, "\U0001f600" * 280, id="280-astral-code-points"),
    # 560 code points decomposed; 280 once composed (NFC), and stored composed.
    pytest.param("e\u0301" * 280, "\u00e9" * 280, id="280-after-nfc"),
    pytest.param("  padded  ", "padded", id="trimmed"),
    pytest.param(TOO_LONG, None, id="281-chars"),
    pytest.param("e\u0301" * 281, None, id="281-after-nfc"),
    pytest.param("\U0001f600" * 281, None, id="281-astral"),
    pytest.param("", None, id="empty"),
    pytest.param(" \n\t\u3000 ", None, id="whitespace-only"),
    pytest.param("\u200b \u2800\n\u3164\ufeff\u200e\u202e", None, id="invisible-only"),
]


@pytest.mark.parametrize(("raw", "stored"), TEXT_RULES)
async def test_the_text_rules(
    client: httpx.AsyncClient, engine: AsyncEngine, raw: str, stored: str | None
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.post(f"{API}/tweets", json={"text": raw}, headers=alice.auth)

    if stored is None:
        assert error_fields(assert_problem(response, 400, "validation_error")) == {"text"}
        assert await tweet_count(engine) == 0
        assert await tweets_count(client, "alice") == 0
    else:
        assert response.status_code == 201, response.text
        assert response.json()["text"] == stored


@pytest.mark.parametrize(
    ("files", "field"),
    [
        pytest.param({"text": (None, "   ")}, "text", id="multipart-blank-text-no-image"),
        pytest.param({"text": (None, TOO_LONG)}, "text", id="multipart-too-long"),
        pytest.param(
            {"text": (None, TOO_LONG), "image": ("a.png", png_bytes(), "image/png")},
            "text",
            id="multipart-too-long-with-image",
        ),
    ],
)
async def test_multipart_text_follows_the_same_rules(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    files: dict[str, Any],
    field: str,
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.post(f"{API}/tweets", files=files, headers=alice.auth)

    assert error_fields(assert_problem(response, 400, "validation_error")) == {field}
    assert await tweet_count(engine) == 0
    assert media_files(media_dir) == set()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no-text"),
        pytest.param({"text": 5}, id="not-a-string"),
        pytest.param({"text": None}, id="null"),
        pytest.param({"text": "hi", "author_id": 1}, id="author-not-assignable"),
        pytest.param({"text": "hi", "like_count": 99}, id="like-count-not-assignable"),
    ],
)
async def test_a_malformed_json_tweet_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, body: dict[str, Any]
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.post(f"{API}/tweets", json=body, headers=alice.auth)

    assert_problem(response, 400, "validation_error")
    assert await tweet_count(engine) == 0


# --- GET /tweets/{id} ---


async def test_get_a_tweet_with_liked_by_me(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice)
    assert (
        await client.post(f"{API}/tweets/{tweet['id']}/like", headers=bob.auth)
    ).status_code == 200

    anonymous = await get_tweet(client, tweet["id"])
    as_bob = await get_tweet(client, tweet["id"], bob)
    as_alice = await get_tweet(client, tweet["id"], alice)

    assert anonymous.status_code == as_bob.status_code == as_alice.status_code == 200
    assert anonymous.json() == {**tweet, "like_count": 1, **ANONYMOUS}
    assert as_bob.json() == {**tweet, "like_count": 1, "liked_by_me": True}
    assert as_alice.json() == {**tweet, "like_count": 1, "liked_by_me": False}


async def test_an_unknown_tweet_is_404(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(client, alice)
    missing = tweet["id"] + 1000

    for method, path, body in (
        ("GET", "", None),
        ("PATCH", "", {"text": "x"}),
        ("DELETE", "", None),
        ("POST", "/like", None),
        ("DELETE", "/like", None),
        ("GET", "/likes", None),
    ):
        response = await client.request(
            method, f"{API}/tweets/{missing}{path}", json=body, headers=alice.auth
        )
        assert_problem(response, 404, "tweet_not_found")


async def test_tweet_id_zero_is_an_unknown_tweet(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/tweets/0"), 404, "tweet_not_found")


@pytest.mark.parametrize("path", ["", "/likes"])
async def test_optional_auth_on_tweets_refuses_a_bad_token(
    client: httpx.AsyncClient, engine: AsyncEngine, path: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(client, alice)
    url = f"{API}/tweets/{tweet['id']}{path}"
    claims = {"iss": "chirp", "sub": str(alice.user["id"]), "sid": "1", "adm": False}

    assert (await client.get(url)).status_code == 200
    for header in (
        {"Authorization": "Bearer garbage"},
        bearer(forge_access_token({**claims, "iat": 1, "exp": 2})),
        bearer(forge_access_token({**claims, "iat": 1, "exp": 2**40}, secret=b"k" * 40)),
    ):
        assert_unauthorized(await client.get(url, headers=header))


# --- PATCH /tweets/{id} ---


async def test_the_author_edits_a_tweet(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice, "first")
    await client.post(f"{API}/tweets/{tweet['id']}/like", headers=alice.auth)
    await client.post(f"{API}/tweets/{tweet['id']}/like", headers=bob.auth)
    await drain(app)  # the likes counted

    response = await client.patch(
        f"{API}/tweets/{tweet['id']}", json={"text": "  cafe\u0301 "}, headers=alice.auth
    )

    assert response.status_code == 200, response.text
    edited = assert_tweet(response.json())
    assert edited["text"] == "caf\u00e9"  # trimmed and NFC-normalised
    assert edited["edited_at"] is not None
    assert assert_timestamp(edited["edited_at"]) >= assert_timestamp(tweet["created_at"])
    assert {k: edited[k] for k in ("id", "created_at", "author", "image_url")} == {
        k: tweet[k] for k in ("id", "created_at", "author", "image_url")
    }
    assert (edited["like_count"], edited["liked_by_me"]) == (2, True)
    assert (await get_tweet(client, tweet["id"])).json() == {**edited, **ANONYMOUS}
    assert await tweets_count(client, "alice") == 1


@pytest.mark.parametrize(
    ("raw", "with_image", "ok"),
    [
        pytest.param(TOO_LONG, False, False, id="too-long"),
        pytest.param("   ", False, False, id="blank-without-image"),
        pytest.param("   ", True, True, id="blank-with-image"),
        pytest.param("a" * 280, False, True, id="280"),
    ],
)
async def test_an_edit_follows_the_text_rules(
    client: httpx.AsyncClient, engine: AsyncEngine, raw: str, with_image: bool, ok: bool
) -> None:
    (alice,) = await insert_users(engine, "alice")
    files: dict[str, Any] = {"text": (None, "before")}
    if with_image:
        files["image"] = ("a.png", png_bytes(), "image/png")
    created = await client.post(f"{API}/tweets", files=files, headers=alice.auth)
    tweet = created.json()

    response = await client.patch(
        f"{API}/tweets/{tweet['id']}", json={"text": raw}, headers=alice.auth
    )

    after = (await get_tweet(client, tweet["id"])).json()
    if ok:
        assert response.status_code == 200, response.text
        assert after["text"] == raw.strip()
        assert after["edited_at"] is not None
    else:
        assert error_fields(assert_problem(response, 400, "validation_error")) == {"text"}
        assert (after["text"], after["edited_at"]) == ("before", None)


@pytest.mark.parametrize("caller", ["other", "admin"])
async def test_only_the_author_edits(
    client: httpx.AsyncClient, engine: AsyncEngine, caller: str
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    (root,) = await insert_users(engine, "root", admin=True)
    tweet = await post(client, alice, "mine")
    who = {"other": bob, "admin": root}[caller]

    response = await client.patch(
        f"{API}/tweets/{tweet['id']}", json={"text": "yours"}, headers=who.auth
    )

    assert_problem(response, 403, "not_author")
    assert (await get_tweet(client, tweet["id"])).json() == {**tweet, **ANONYMOUS}


async def test_an_edit_takes_only_text(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice, "mine")

    for body in ({}, {"text": "x", "author_id": bob.user["id"]}, {"text": "x", "like_count": 9}):
        response = await client.patch(f"{API}/tweets/{tweet['id']}", json=body, headers=alice.auth)
        assert_problem(response, 400, "validation_error")
    assert (await get_tweet(client, tweet["id"])).json() == {**tweet, **ANONYMOUS}


# --- DELETE /tweets/{id} ---


@pytest.mark.parametrize("caller", ["author", "admin"])
async def test_a_tweet_is_deleted_with_its_likes(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, caller: str
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    (root,) = await insert_users(engine, "root", admin=True)
    await client.post(f"{API}/users/alice/follow", headers=bob.auth)
    keep = await post(client, alice, "keep")
    tweet = await post(client, alice, "doomed")
    for liker in (alice, bob):
        await client.post(f"{API}/tweets/{tweet['id']}/like", headers=liker.auth)
    await drain(app)
    assert await feed_ids(client, bob) == [tweet["id"], keep["id"]]

    response = await client.delete(
        f"{API}/tweets/{tweet['id']}", headers={"author": alice, "admin": root}[caller].auth
    )

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await get_tweet(client, tweet["id"]), 404, "tweet_not_found")
    likes = await client.get(f"{API}/tweets/{tweet['id']}/likes")
    assert_problem(likes, 404, "tweet_not_found")
    again = await client.delete(f"{API}/tweets/{tweet['id']}", headers=alice.auth)
    assert_problem(again, 404, "tweet_not_found")
    assert await tweets_count(client, "alice") == 1
    assert await feed_ids(client, bob) == [keep["id"]]
    assert await feed_ids(client, alice) == [keep["id"]]
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT COUNT(*) FROM likes"))).scalar_one() == 0


async def test_only_the_author_or_an_admin_deletes(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice)

    assert_problem(
        await client.delete(f"{API}/tweets/{tweet['id']}", headers=bob.auth), 403, "not_author"
    )
    assert_unauthorized(await client.delete(f"{API}/tweets/{tweet['id']}"))
    assert (await get_tweet(client, tweet["id"])).status_code == 200
    assert await tweets_count(client, "alice") == 1


# --- Likes ---


async def test_like_and_unlike_are_idempotent_with_exact_counts(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")
    tweet = await post(client, alice)
    url = f"{API}/tweets/{tweet['id']}/like"

    for _ in range(2):
        response = await client.post(url, headers=bob.auth)
        assert response.status_code == 200
        assert response.json() == {"liked": True, "like_count": 1}
    assert (await client.post(url, headers=carol.auth)).json() == {"liked": True, "like_count": 2}
    assert (await get_tweet(client, tweet["id"], bob)).json()["liked_by_me"] is True
    assert (await get_tweet(client, tweet["id"], alice)).json()["liked_by_me"] is False

    for _ in range(2):
        response = await client.delete(url, headers=bob.auth)
        assert response.status_code == 200
        assert response.json() == {"liked": False, "like_count": 1}
    fetched = (await get_tweet(client, tweet["id"], bob)).json()
    assert (fetched["like_count"], fetched["liked_by_me"]) == (1, False)
    # Unliking what one never liked changes nothing either.
    assert (await client.delete(url, headers=alice.auth)).json() == {
        "liked": False,
        "like_count": 1,
    }
    assert_unauthorized(await client.post(url))
    assert_unauthorized(await client.delete(url))
    assert (await get_tweet(client, tweet["id"])).json()["like_count"] == 1


async def test_likers_are_user_summaries(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")
    tweet = await post(client, alice)
    for liker in (bob, carol, alice):
        await client.post(f"{API}/tweets/{tweet['id']}/like", headers=liker.auth)
    await client.delete(f"{API}/tweets/{tweet['id']}/like", headers=alice.auth)

    response = await client.get(f"{API}/tweets/{tweet['id']}/likes")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    items = [assert_user_summary(item) for item in body["items"]]
    assert sorted(items, key=lambda item: item["id"]) == [
        {"id": bob.user["id"], "username": "bob", "avatar_url": None},
        {"id": carol.user["id"], "username": "carol", "avatar_url": None},
    ]


# --- GET /feed ---


async def test_the_feed_is_own_and_followed_tweets_newest_first(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")
    bob_old = await post(client, bob, "bob before the follow")
    await client.post(f"{API}/users/bob/follow", headers=alice.auth)
    mine = await post(client, alice, "mine")
    await post(client, carol, "carol, not followed")
    bob_new = await post(client, bob, "bob after the follow")
    await client.post(f"{API}/tweets/{bob_new['id']}/like", headers=alice.auth)
    await drain(app)

    response = await client.get(f"{API}/feed", headers=alice.auth)

    assert response.status_code == 200
    assert response.json()["next_cursor"] is None
    items = [assert_tweet(item) for item in response.json()["items"]]
    assert [item["id"] for item in items] == [bob_new["id"], mine["id"], bob_old["id"]]
    assert [item["liked_by_me"] for item in items] == [True, False, False]
    assert items[0]["like_count"] == 1
    assert [item["author"]["username"] for item in items] == ["bob", "alice", "bob"]

    # Unfollowing takes bob's tweets out; following carol brings hers in, old ones too.
    await client.delete(f"{API}/users/bob/follow", headers=alice.auth)
    await drain(app)
    assert await feed_ids(client, alice) == [mine["id"]]
    await client.post(f"{API}/users/carol/follow", headers=alice.auth)
    await drain(app)
    carol_ids = [
        item["id"] for item in (await client.get(f"{API}/users/carol/tweets")).json()["items"]
    ]
    assert await feed_ids(client, alice) == sorted([mine["id"], *carol_ids], reverse=True)
    # Bob's feed is only his own.
    assert await feed_ids(client, bob) == [bob_new["id"], bob_old["id"]]


async def test_the_feed_needs_a_token_and_a_valid_cursor(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    assert_unauthorized(await client.get(f"{API}/feed"))
    assert_unauthorized(await client.get(f"{API}/feed", headers={"Authorization": "Bearer x"}))
    bad = await client.get(f"{API}/feed", params={"cursor": "not-a-cursor"}, headers=alice.auth)
    assert_problem(bad, 400, "invalid_cursor")
    empty = await client.get(f"{API}/feed", headers=alice.auth)
    assert empty.json() == {"items": [], "next_cursor": None}


# --- Counts across everything ---


async def test_counts_stay_exact_across_follows_likes_and_deletes(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")

    async def state() -> dict[str, tuple[int, int, int]]:
        result = {}
        for name in ("alice", "bob", "carol"):
            body = (await client.get(f"{API}/users/{name}")).json()
            result[name] = (body["followers_count"], body["following_count"], body["tweets_count"])
        return result

    for follower, followee in ((bob, "alice"), (carol, "alice"), (alice, "bob"), (bob, "alice")):
        await client.post(f"{API}/users/{followee}/follow", headers=follower.auth)
    first = await post(client, alice, "one")
    second = await post(client, alice, "two")
    await post(client, bob, "three")
    assert await state() == {"alice": (2, 1, 2), "bob": (1, 1, 1), "carol": (0, 1, 0)}

    for liker in (bob, carol, bob, alice):
        await client.post(f"{API}/tweets/{first['id']}/like", headers=liker.auth)
    await client.post(f"{API}/tweets/{second['id']}/like", headers=carol.auth)
    await client.delete(f"{API}/tweets/{first['id']}/like", headers=carol.auth)
    assert (await get_tweet(client, first["id"])).json()["like_count"] == 2
    assert (await get_tweet(client, second["id"])).json()["like_count"] == 1

    await client.delete(f"{API}/users/alice/follow", headers=carol.auth)
    await client.delete(f"{API}/users/alice/follow", headers=carol.auth)
    await client.delete(f"{API}/tweets/{first['id']}", headers=alice.auth)
    assert await state() == {"alice": (1, 1, 1), "bob": (1, 1, 1), "carol": (0, 0, 0)}
    assert (await get_tweet(client, second["id"], carol)).json()["liked_by_me"] is True


async def test_a_list_of_tweets_says_liked_by_me_only_to_a_signed_in_reader(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    liked = await post(client, alice, "liked")
    other = await post(client, alice, "not liked")
    await client.post(f"{API}/tweets/{liked['id']}/like", headers=bob.auth)

    anonymous = await client.get(f"{API}/users/alice/tweets")
    as_bob = await client.get(f"{API}/users/alice/tweets", headers=bob.auth)

    def flags(response: httpx.Response) -> list[tuple[int, int, bool | None]]:
        items = [assert_tweet(item) for item in response.json()["items"]]
        return [(item["id"], item["like_count"], item["liked_by_me"]) for item in items]

    assert flags(anonymous) == [(other["id"], 0, None), (liked["id"], 1, None)]
    assert flags(as_bob) == [(other["id"], 0, False), (liked["id"], 1, True)]


@pytest.mark.parametrize("how", ["json", "multipart", "edit"])
async def test_a_nul_character_in_the_text_is_never_a_server_error(
    client: httpx.AsyncClient, engine: AsyncEngine, how: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(client, alice, "before")
    nul = "a\x00b"

    if how == "json":
        response = await client.post(f"{API}/tweets", json={"text": nul}, headers=alice.auth)
    elif how == "multipart":
        response = await client.post(
            f"{API}/tweets", files={"text": (None, nul)}, headers=alice.auth
        )
    else:
        response = await client.patch(
            f"{API}/tweets/{tweet['id']}", json={"text": nul}, headers=alice.auth
        )

    # Refusing control characters or storing them are both fine; failing is not.
    if response.status_code == 400:
        assert error_fields(assert_problem(response, 400, "validation_error")) == {"text"}
    else:
        assert response.status_code == (200 if how == "edit" else 201), response.text
        fetched = await get_tweet(client, response.json()["id"])
        assert fetched.json()["text"] == nul
