"""GET /search/tweets: every word of q, from:username, #tag; newest first, keyset pages;
the index kept by the workers on post, edit and delete."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import Database
from adapters.sql.search import SqlSearchIndex
from adapters.sql.tables import tweet_search
from adapters.sql.unit_of_work import transaction
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.app import serve
from tests.support.jobs import drain
from tests.support.tweet_pages import tweet_page


async def post(client: httpx.AsyncClient, author: Account, body: str) -> int:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def search(
    client: httpx.AsyncClient, q: str, who: Account | None = None, **params: Any
) -> dict[str, Any]:
    return await tweet_page(client, "/search/tweets", who, q=q, **params)


async def found(client: httpx.AsyncClient, q: str, **params: Any) -> list[int]:
    return [item["id"] for item in (await search(client, q, limit=100, **params))["items"]]


async def test_every_word_matches_case_insensitively_newest_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    both = await post(client, alice, "The QUICK brown fox")
    quick = await post(client, alice, "quick thinking")
    accented = await post(client, alice, "Un café, très Quick!")
    await post(client, alice, "quickly, brownish")
    newest_both = await post(client, alice, "brown and quick")

    assert await found(client, "quick") == [newest_both, accented, quick, both]
    assert await found(client, "Quick BROWN") == [newest_both, both]
    assert await found(client, "brown quick quick") == [newest_both, both]
    assert await found(client, "CAFE") == [accented]
    assert await found(client, "café très") == [accented]
    assert await found(client, "fox cat") == []


async def test_words_are_split_as_the_domain_splits_them(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    snake = await post(client, alice, "snake_case and abc123 and \uff26\uff35\uff2c\uff2c width")
    cjk = await post(client, alice, "東京タワー に行く")
    german = await post(client, alice, "STRASSE or Straße")

    assert await found(client, "snake") == [snake]
    assert await found(client, "case abc123") == [snake]
    assert await found(client, "abc") == []
    assert await found(client, "full") == [snake]
    assert await found(client, "東京タワー") == [cjk]
    assert await found(client, "東京") == []
    assert await found(client, "straße") == [german]
    assert await found(client, "and") == [snake]  # no operator: a word like any other
    assert await found(client, "or") == [german]
    assert await found(client, '"quoted" (paren) -minus *star') == []


async def test_from_and_hashtags_filter_by_author_and_tag(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    a_tagged = await post(client, alice, "hello #Chirp #Other")
    a_plain = await post(client, alice, "hello chirp")
    b_tagged = await post(client, bob, "hello #chirp")
    b_other = await post(client, bob, "bye #other #chirp")

    assert await found(client, "from:alice") == [a_plain, a_tagged]
    assert await found(client, "from:@ALICE hello") == [a_plain, a_tagged]
    assert await found(client, "#chirp") == [b_other, b_tagged, a_tagged]
    assert await found(client, "#CHIRP hello") == [b_tagged, a_tagged]
    assert await found(client, "#chirp #other") == [b_other, a_tagged]
    assert await found(client, "#chirp from:bob") == [b_other, b_tagged]
    assert await found(client, "#chirp #other from:alice hello") == [a_tagged]
    assert await found(client, "chirp") == [b_other, b_tagged, a_plain, a_tagged]
    assert await found(client, "from:nobody") == []
    assert await found(client, "from:nobody hello") == []
    assert await found(client, "from:a-b") == []
    assert await found(client, "from:alice from:bob") == []
    assert await found(client, "from:alice from:Alice") == [a_plain, a_tagged]
    assert await found(client, "#nothere") == []
    assert await found(client, "#123") == []  # not a tag: the word 123


async def test_pages_without_repeats_or_gaps_while_tweets_come(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    matching = [await post(client, alice if i % 2 else bob, f"needle {i}") for i in range(7)]
    await post(client, alice, "haystack")
    seen: list[int] = []
    added: list[int] = []
    cursor = None
    while True:
        body = await search(client, "NEEDLE", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        added.append(await post(client, bob, "another needle"))

    assert seen == matching[::-1]
    assert await found(client, "needle") == added[::-1] + matching[::-1]


async def test_the_viewer_sees_their_likes(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice, "like me @bob #tagged")
    liked = await client.post(f"{API}/tweets/{tweet}/like", headers=bob.auth)
    assert liked.status_code in (200, 201), liked.text

    [mine] = (await search(client, "like", bob))["items"]
    [anonymous] = (await search(client, "like"))["items"]
    assert (mine["liked_by_me"], anonymous["liked_by_me"]) == (True, None)
    assert [user["username"] for user in mine["mentions"]] == ["bob"]
    assert mine["hashtags"] == ["tagged"]


async def index_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(tweet_search)) or 0)


async def test_the_workers_index_posts_and_edits_and_remove_deleted_tweets(
    app: Litestar, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    async with serve(app) as client:  # the workers run only when drained here
        tweet = await post(client, alice, "first words")
        assert await found(client, "first") == []
        await drain(app)
        assert await found(client, "first") == [tweet]

        edited = await client.patch(
            f"{API}/tweets/{tweet}", json={"text": "second words"}, headers=alice.auth
        )
        assert edited.status_code == 200, edited.text
        await drain(app)
        assert await found(client, "first") == []
        assert await found(client, "second words") == [tweet]

        deleted = await client.delete(f"{API}/tweets/{tweet}", headers=alice.auth)
        assert deleted.status_code == 204, deleted.text
        assert await found(client, "second") == []  # at once: searches join the tweets
        await drain(app)
        assert await found(client, "second") == []
        assert await index_rows(engine) == 0


async def test_bad_input_is_a_400_problem(client: httpx.AsyncClient) -> None:
    cases: list[dict[str, str]] = [
        {},
        {"q": ""},
        {"q": "x" * 201},
        {"q": "   "},
        {"q": "!!! ... ---"},
        {"q": "#"},
        {"q": "ok", "limit": "0"},
        {"q": "ok", "limit": "101"},
        {"q": "ok", "limit": "many"},
        {"q": "ok", "cursor": "nope"},
    ]
    for params in cases:
        response = await client.get(f"{API}/search/tweets", params=params)
        assert_problem(response, 400)
    for q in ("x" * 200, "a\x00b", "from:\x00"):
        assert await found(client, q) == [], q
    for q in ("#\x00", "\U0010ffff", "x" * 201):
        response = await client.get(f"{API}/search/tweets", params={"q": q})
        assert_problem(response, 400, "validation_error")


async def next_tweet_id_is(engine: AsyncEngine, tweet_id: int, author: Account) -> None:
    """Make the next tweet's id ``tweet_id`` (ids far apart: other id buckets)."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT setval('tweets_id_seq', :id)"), {"id": tweet_id - 1}
            )
        else:  # the next rowid is the largest plus one: a placeholder holds it
            await connection.execute(
                text(
                    "INSERT INTO tweets (id, author_id, text, created_at)"
                    " VALUES (:id, :author, 'placeholder', CURRENT_TIMESTAMP)"
                ),
                {"id": tweet_id - 1, "author": author.user["id"]},
            )


async def test_matches_far_apart_in_ids_page_newest_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    # On PostgreSQL a page looks first in the newest id buckets (8192 ids each), then
    # below them: matches on both sides of those bounds, and across pages.
    alice, bob = await insert_users(engine, "alice", "bob")
    ids = [await post(client, alice, "needle old"), await post(client, alice, "needle older")]
    for start in (8191, 8192 * 2 + 5, 8192 * 3 - 1, 8192 * 6):
        await next_tweet_id_is(engine, start, bob)
        ids.append(await post(client, alice, f"needle at {start}"))
        ids.append(await post(client, alice, f"needle at {start + 1}"))
        await post(client, alice, "hay")
    newest_first = ids[::-1]

    assert len(ids) == 10
    for limit in (1, 2, 3, 7, 9, 10):
        seen: list[int] = []
        cursor = None
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            body = await search(client, "needle", **params)
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == newest_first, limit
    assert await found(client, "older") == [ids[1]]
    assert await found(client, "needle at 16384") == []  # "16384" is no word of theirs
    assert await found(client, f"needle {8192 * 3}") == [ids[7]]


async def test_words_of_an_older_version_never_replace_newer_ones(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    tweet = await post(client, alice, "second")
    database = Database(engine)
    try:
        async with transaction(database) as uow:
            index = SqlSearchIndex(uow)
            await index.put(tweet, 1, ["second"])
            await index.put(tweet, 0, ["first"])  # a job that read the text before an edit
            await index.put(tweet + 1000, 0, ["ghost"])  # a tweet gone: nothing to index
            await index.remove(tweet + 2000)  # nothing held: nothing to do
    finally:
        await database.close()

    assert (await found(client, "first"), await found(client, "second")) == ([], [tweet])
    assert await index_rows(engine) == 1
