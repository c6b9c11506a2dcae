"""Reposts through the API, on both databases: idempotent and counted, entered in the
reposter's followers' feeds at most once each, listed, and undone."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, assert_unauthorized
from tests.support.contract import assert_tweet


async def post(client: httpx.AsyncClient, author: Account, body: str = "hello") -> int:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def repost(
    client: httpx.AsyncClient, who: Account, tweet_id: int, *, undo: bool = False
) -> dict[str, Any]:
    method = client.delete if undo else client.post
    response = await method(f"{API}/tweets/{tweet_id}/repost", headers=who.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def listed(
    client: httpx.AsyncClient, path: str, who: Account, **params: str
) -> list[tuple[int, str | None]]:
    """(tweet id, reposter) of a list's first page, in order."""
    response = await client.get(f"{API}{path}", headers=who.auth, params=params)
    assert response.status_code == 200, response.text
    items = [assert_tweet(item) for item in response.json()["items"]]
    return [(t["id"], t["reposted_by"] and t["reposted_by"]["username"]) for t in items]


async def test_repost_and_undo_are_idempotent_and_answer_the_count(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    tweet_id = await post(client, ann)

    assert await repost(client, ben, tweet_id) == {"reposted": True, "repost_count": 1}
    assert await repost(client, ben, tweet_id) == {"reposted": True, "repost_count": 1}
    assert await repost(client, ann, tweet_id) == {"reposted": True, "repost_count": 2}
    assert await repost(client, ann, tweet_id, undo=True) == {
        "reposted": False,
        "repost_count": 1,
    }
    assert await repost(client, ann, tweet_id, undo=True) == {
        "reposted": False,
        "repost_count": 1,
    }

    seen = assert_tweet((await client.get(f"{API}/tweets/{tweet_id}", headers=ben.auth)).json())
    assert (seen["repost_count"], seen["reposted_by_me"], seen["reposted_by"]) == (1, True, None)
    anonymous = (await client.get(f"{API}/tweets/{tweet_id}")).json()
    assert anonymous["reposted_by_me"] is None
    async with engine.connect() as connection:
        stored = await connection.execute(text("SELECT repost_count FROM tweets"))
        assert stored.scalar_one() == 1  # folded by the workers


async def test_errors_are_problem_documents_and_change_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (ann,) = await insert_users(engine, "ann")
    tweet_id = await post(client, ann)
    for method in ("POST", "DELETE"):
        assert_problem(
            await client.request(method, f"{API}/tweets/999999/repost", headers=ann.auth),
            404,
            "tweet_not_found",
        )
        assert_unauthorized(await client.request(method, f"{API}/tweets/{tweet_id}/repost"))
    assert_problem(await client.get(f"{API}/tweets/999999/reposts"), 404, "tweet_not_found")
    assert_problem(
        await client.get(f"{API}/tweets/{tweet_id}/reposts", params={"cursor": "bad"}),
        400,
        "invalid_cursor",
    )
    assert_problem(
        await client.get(f"{API}/users/ann/tweets", params={"include_reposts": "maybe"}),
        400,
        "validation_error",
    )
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM reposts"))).scalar() == 0


async def test_a_repost_enters_followers_feeds_once_where_it_was_made(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, cat, dan = await insert_users(engine, "ann", "ben", "cat", "dan")
    for follower, followee in (("ann", ben), ("ann", dan), ("cat", ben)):
        response = await client.post(
            f"{API}/users/{follower}/follow".replace(follower, followee.username),
            headers={"ann": ann, "cat": cat}[follower].auth,
        )
        assert response.status_code == 204
    original = await post(client, cat, "by cat")
    own = await post(client, ann, "by ann")
    by_dan = await post(client, dan, "by dan")
    for reposter in (ben, dan):
        await repost(client, reposter, original)
    await repost(client, ben, by_dan)  # ann follows dan: the tweet is there already
    later = await post(client, ann, "later")

    assert await listed(client, "/feed", ann) == [
        (later, None),
        (original, "ben"),  # ben's repost came first; dan's adds nothing
        (by_dan, None),
        (own, None),
    ]
    # cat wrote it: the tweet itself, once; but dan's tweet arrives through ben.
    assert await listed(client, "/feed", cat) == [(by_dan, "ben"), (original, None)]

    await repost(client, ben, original, undo=True)
    assert await listed(client, "/feed", ann) == [(later, None), (by_dan, None), (own, None)]
    async with engine.connect() as connection:
        entries = text("SELECT count(*) FROM timeline_entries WHERE reposted_by IS NOT NULL")
        assert (await connection.execute(entries)).scalar() == 1  # cat's, of dan's tweet


async def test_unfollowing_a_reposter_takes_its_reposts_out(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    await client.post(f"{API}/users/ben/follow", headers=ann.auth)
    original = await post(client, cat)
    await repost(client, ben, original)
    assert await listed(client, "/feed", ann) == [(original, "ben")]

    await client.delete(f"{API}/users/ben/follow", headers=ann.auth)
    assert await listed(client, "/feed", ann) == []


async def test_a_users_tweet_list_shows_reposts_when_asked(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    first = await post(client, ben, "first")
    original = await post(client, ann, "original")
    await repost(client, ben, original)
    last = await post(client, ben, "last")

    assert await listed(client, "/users/ben/tweets", ann) == [(last, None), (first, None)]
    assert await listed(client, "/users/ben/tweets", ann, include_reposts="true") == [
        (last, None),
        (original, "ben"),
        (first, None),
    ]
    pages = []
    cursor: str | None = None
    while True:
        params = {"include_reposts": "true", "limit": "1", **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/users/ben/tweets", params=params)
        pages += [item["id"] for item in response.json()["items"]]
        if (cursor := response.json()["next_cursor"]) is None:
            break
        await post(client, ben, "meanwhile")  # inserts while paging: no repeat, no gap
    assert pages == [last, original, first]


async def test_reposters_are_listed_most_recent_first_in_keyset_pages(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, *others = await insert_users(engine, "ann", "ben", "cat", "dan")
    tweet_id = await post(client, ann)
    for user in others:
        await repost(client, user, tweet_id)

    first = (await client.get(f"{API}/tweets/{tweet_id}/reposts", params={"limit": 2})).json()
    assert [user["username"] for user in first["items"]] == ["dan", "cat"]
    rest = await client.get(
        f"{API}/tweets/{tweet_id}/reposts", params={"limit": 2, "cursor": first["next_cursor"]}
    )
    assert [user["username"] for user in rest.json()["items"]] == ["ben"]
    assert rest.json()["next_cursor"] is None


async def test_deleting_the_tweet_takes_its_reposts_and_entries(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    await client.post(f"{API}/users/ben/follow", headers=cat.auth)
    tweet_id = await post(client, ann)
    await repost(client, ben, tweet_id)
    assert await listed(client, "/feed", cat) == [(tweet_id, "ben")]

    assert (await client.delete(f"{API}/tweets/{tweet_id}", headers=ann.auth)).status_code == 204
    assert await listed(client, "/feed", cat) == []
    assert await listed(client, "/users/ben/tweets", cat, include_reposts="true") == []
