"""Replies and threads over HTTP on SQLite and PostgreSQL: in_reply_to_id on POST /tweets,
reply_count (derived by the workers), GET /tweets/{id}/replies and /context with its caps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import tweets
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.contract import assert_tweet
from tests.support.jobs import drain
from tests.support.tweet_pages import tweet_page


async def post(
    client: httpx.AsyncClient, author: Account, text: str = "hi", parent: int | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if parent is not None:
        body["in_reply_to_id"] = parent
    response = await client.post(f"{API}/tweets", json=body, headers=author.auth)
    assert response.status_code == 201, response.text
    return assert_tweet(response.json())


async def replies_page(
    client: httpx.AsyncClient, tweet_id: int, who: Account | None = None, **params: Any
) -> dict[str, Any]:
    return await tweet_page(client, f"/tweets/{tweet_id}/replies", who, **params)


async def context(
    client: httpx.AsyncClient, tweet_id: int, who: Account | None = None
) -> tuple[list[int], list[int]]:
    response = await client.get(
        f"{API}/tweets/{tweet_id}/context", headers=who.auth if who else None
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"ancestors", "descendants"}
    for item in body["ancestors"] + body["descendants"]:
        assert_tweet(item)
    return [t["id"] for t in body["ancestors"]], [t["id"] for t in body["descendants"]]


async def test_a_reply_shows_its_parent_and_the_parent_counts_it(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    parent = await post(client, alice, "first")
    assert (parent["reply_count"], parent["in_reply_to_id"], parent["in_reply_to_username"]) == (
        0,
        None,
        None,
    )

    posted = await post(client, bob, "second", parent["id"])
    assert (posted["in_reply_to_id"], posted["in_reply_to_username"]) == (parent["id"], "alice")
    await post(client, alice, "third", parent["id"])
    await drain(app)

    shown = (await client.get(f"{API}/tweets/{parent['id']}")).json()
    assert shown["reply_count"] == 2
    again = (await client.get(f"{API}/tweets/{posted['id']}", headers=alice.auth)).json()
    assert (again["in_reply_to_id"], again["in_reply_to_username"]) == (parent["id"], "alice")

    assert (
        await client.delete(f"{API}/tweets/{posted['id']}", headers=bob.auth)
    ).status_code == 204
    await drain(app)
    assert (await client.get(f"{API}/tweets/{parent['id']}")).json()["reply_count"] == 1


@pytest.mark.parametrize("bad", [0, -3, "7", 1.5, True, [1], 2**63])
async def test_a_bad_in_reply_to_id_is_a_validation_error(
    client: httpx.AsyncClient, engine: AsyncEngine, bad: Any
) -> None:
    [alice] = await insert_users(engine, "alice")
    response = await client.post(
        f"{API}/tweets", json={"text": "x", "in_reply_to_id": bad}, headers=alice.auth
    )
    assert_problem(response, 400, "validation_error")


async def test_a_reply_to_a_missing_tweet_is_not_found(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    gone = await post(client, alice)
    assert (
        await client.delete(f"{API}/tweets/{gone['id']}", headers=alice.auth)
    ).status_code == 204

    for missing in (gone["id"], 987654):
        response = await client.post(
            f"{API}/tweets", json={"text": "x", "in_reply_to_id": missing}, headers=alice.auth
        )
        assert_problem(response, 404, "tweet_not_found")
    assert (await client.get(f"{API}/users/alice/tweets")).json()["items"] == []


async def test_the_v1_form_takes_no_in_reply_to_id(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    parent = await post(client, alice)
    response = await client.post(
        f"{API}/tweets",
        files={"text": (None, "x"), "in_reply_to_id": (None, str(parent["id"]))},
        headers=alice.auth,
    )
    assert response.status_code == 400, response.text


async def test_replies_oldest_first_in_pages_without_repeats_or_gaps_while_replies_come(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    root = (await post(client, alice))["id"]
    direct = [(await post(client, bob if i % 2 else alice, f"r{i}", root))["id"] for i in range(7)]
    await post(client, bob, "grandchild", direct[0])
    seen: list[int] = []
    added: list[int] = []
    cursor = None
    while True:
        body = await replies_page(
            client, root, bob, limit=3, **({"cursor": cursor} if cursor else {})
        )
        seen += [item["id"] for item in body["items"]]
        assert all(item["in_reply_to_id"] == root for item in body["items"])
        assert all(item["liked_by_me"] is False for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if len(added) < 2:
            added.append((await post(client, alice, "late", root))["id"])

    assert seen == direct + added
    assert [item["id"] for item in (await replies_page(client, root))["items"]] == seen


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("999999/replies", {}, 404, "tweet_not_found"),
        ("999999/context", {}, 404, "tweet_not_found"),
        ("0/replies", {}, 404, "tweet_not_found"),
        ("0/context", {}, 404, "tweet_not_found"),
        ("{root}/replies", {"cursor": "nope"}, 400, "invalid_cursor"),
        ("{root}/replies", {"limit": "0"}, 400, "validation_error"),
        ("{root}/replies", {"limit": "101"}, 400, "validation_error"),
        ("{root}/replies", {"limit": "x"}, 400, "validation_error"),
    ],
)
async def test_bad_requests_are_problems(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    path: str,
    params: dict[str, str],
    status: int,
    code: str,
) -> None:
    [alice] = await insert_users(engine, "alice")
    root = (await post(client, alice))["id"]
    response = await client.get(f"{API}/tweets/{path.format(root=root)}", params=params)
    assert_problem(response, status, code)


async def test_non_numeric_ids_are_not_found(client: httpx.AsyncClient) -> None:
    for path in ("abc/replies", "abc/context", "99999999999999999999/context"):
        response = await client.get(f"{API}/tweets/{path}")
        assert response.status_code in (400, 404), response.text
        assert response.status_code != 500


async def test_context_depth_first_with_the_viewers_likes(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    root = (await post(client, alice, "root"))["id"]
    a = (await post(client, bob, "a", root))["id"]
    b = (await post(client, alice, "b @bob #thread", a))["id"]
    c1 = (await post(client, bob, "c1", b))["id"]
    c1a = (await post(client, alice, "c1a", c1))["id"]
    c2 = (await post(client, alice, "c2", b))["id"]
    c1b = (await post(client, bob, "c1b", c1))["id"]
    other = (await post(client, alice, "other", root))["id"]
    assert (await client.post(f"{API}/tweets/{c1a}/like", headers=bob.auth)).status_code == 200

    assert await context(client, b) == ([root, a], [c1, c1a, c1b, c2])
    assert await context(client, root) == ([], [a, b, c1, c1a, c1b, c2, other])
    assert await context(client, other) == ([root], [])

    body = (await client.get(f"{API}/tweets/{root}/context", headers=bob.auth)).json()
    liked = {t["id"]: t["liked_by_me"] for t in body["descendants"]}
    assert liked[c1a] is True
    assert liked[c1] is False
    [with_entities] = [t for t in body["descendants"] if t["id"] == b]
    assert [u["username"] for u in with_entities["mentions"]] == ["bob"]
    assert with_entities["hashtags"] == ["thread"]
    anonymous = (await client.get(f"{API}/tweets/{root}/context")).json()
    assert {t["liked_by_me"] for t in anonymous["descendants"]} == {None}


async def insert_thread(
    engine: AsyncEngine, author: Account, parents: list[int | None]
) -> list[int]:
    """Tweets written straight into the database, each replying to the tweet at the index
    given (None: to nothing); their ids, in order."""
    ids: list[int] = []
    async with engine.begin() as connection:
        for parent in parents:
            result = await connection.execute(
                insert(tweets)
                .values(
                    author_id=author.user["id"],
                    text="t",
                    created_at=datetime.now(UTC),
                    in_reply_to_id=None if parent is None else ids[parent],
                    in_reply_to_user_id=None if parent is None else author.user["id"],
                )
                .returning(tweets.c.id)
            )
            ids.append(result.scalar_one())
    return ids


async def test_context_caps_41_ancestors_and_21_levels(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    # A chain of 43: each tweet replies to the one before.
    chain = await insert_thread(engine, alice, [None, *range(42)])

    ancestors, descendants = await context(client, chain[42])
    assert ancestors == chain[2:42]  # the 40 nearest the parent
    assert descendants == []

    ancestors, descendants = await context(client, chain[0])
    assert descendants == chain[1:21]  # 20 levels below


async def test_context_caps_60_descendants_of_a_wide_thread(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    # The root, a reply to it with a reply of its own, then 61 more replies to the root.
    ids = await insert_thread(engine, alice, [None, 0, 1, *[0] * 61])

    _, descendants = await context(client, ids[0])

    assert descendants == ids[1:3] + ids[3:61]


async def test_context_of_a_bushy_thread_is_the_first_60_in_depth_first_order(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    # Four levels of 4 replies each (340 tweets), posted breadth-first, so ids alone do not
    # give depth-first order; the first 60 end deep in the first child's subtree and beyond.
    parents: list[int | None] = [None]
    level = [0]
    for _ in range(4):
        start = len(parents)
        for parent in level:
            parents += [parent] * 4
        level = list(range(start, len(parents)))
    ids = await insert_thread(engine, alice, parents)
    children: dict[int, list[int]] = {}
    for index, parent in enumerate(parents):
        if parent is not None:
            children.setdefault(parent, []).append(index)

    def depth_first(node: int) -> list[int]:
        return [node, *(i for child in children.get(node, []) for i in depth_first(child))]

    _, descendants = await context(client, ids[0])

    assert descendants == [ids[i] for i in depth_first(0)[1:61]]


async def test_a_deleted_tweet_mid_chain_ends_the_ancestors_and_hides_its_replies(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    root = (await post(client, alice))["id"]
    gone = (await post(client, bob, "gone", root))["id"]
    kept = (await post(client, alice, "kept", gone))["id"]
    below = (await post(client, bob, "below", kept))["id"]
    assert (await client.delete(f"{API}/tweets/{gone}", headers=bob.auth)).status_code == 204

    assert await context(client, below) == ([kept], [])
    assert await context(client, root) == ([], [])
    shown = (await client.get(f"{API}/tweets/{kept}")).json()
    assert (shown["in_reply_to_id"], shown["in_reply_to_username"]) == (gone, "bob")
    assert_problem(await client.get(f"{API}/tweets/{gone}/replies"), 404, "tweet_not_found")


async def feed(client: httpx.AsyncClient, reader: Account) -> list[int]:
    response = await client.get(f"{API}/feed", params={"limit": 100}, headers=reader.auth)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def follow(client: httpx.AsyncClient, follower: Account, username: str) -> None:
    response = await client.post(f"{API}/users/{username}/follow", headers=follower.auth)
    assert response.status_code == 204, response.text


async def test_a_reply_reaches_a_followers_feed_only_by_mastodons_rule(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """Ann follows Ben and Cat, not Dan: merged into her feed when read before the workers
    run, fanned out after; a new follow's backfill follows the same rule."""
    ann, ben, cat, dan, eve = await insert_users(engine, "ann", "ben", "cat", "dan", "eve")
    await follow(client, ann, "ben")
    await follow(client, ann, "cat")
    ben_tweet = (await post(client, ben, "ben"))["id"]
    dan_tweet = (await post(client, dan, "dan"))["id"]
    ann_tweet = (await post(client, ann, "ann"))["id"]
    await drain(app)

    cat_to_ben = (await post(client, cat, "c>b", ben_tweet))["id"]  # follows Ben: in
    cat_to_dan = (await post(client, cat, "c>d", dan_tweet))["id"]  # not Dan: out
    ann_to_dan = (await post(client, ann, "a>d", dan_tweet))["id"]  # her own: in
    ben_to_ann = (await post(client, ben, "b>a", ann_tweet))["id"]  # to her: in
    ben_to_ben = (await post(client, ben, "b>b", ben_tweet))["id"]  # Ben's thread: in
    dan_to_ben = (await post(client, dan, "d>b", ben_tweet))["id"]  # not Dan's: out
    expected = [ben_to_ben, ben_to_ann, ann_to_dan, cat_to_ben, ann_tweet, ben_tweet]

    assert await feed(client, ann) == expected  # merged when read
    await drain(app)
    assert await feed(client, ann) == expected  # fanned out
    assert cat_to_dan in await feed(client, cat)
    assert dan_to_ben in [i["id"] for i in (await replies_page(client, ben_tweet))["items"]]
    listed = (await client.get(f"{API}/users/cat/tweets")).json()["items"]
    assert [item["id"] for item in listed] == [cat_to_dan, cat_to_ben]

    await follow(client, eve, "cat")  # the backfill: Eve follows neither Ben nor Dan
    await drain(app)
    assert await feed(client, eve) == []
    await follow(client, eve, "ben")
    await drain(app)
    assert await feed(client, eve) == [ben_to_ben, ben_tweet]


async def test_exclude_replies_leaves_replies_out_of_a_users_tweets_in_pages(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    bob_tweet = (await post(client, bob))["id"]
    mine = []
    for i in range(5):
        mine.append((await post(client, alice, f"own {i}"))["id"])
        await post(client, alice, f"reply {i}", bob_tweet if i % 2 else mine[-1])

    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2, "exclude_replies": "true"}
    while True:
        response = await client.get(f"{API}/users/alice/tweets", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        assert "exclude_replies=true" in response.headers["link"]
        params["cursor"] = body["next_cursor"]
    assert seen == mine[::-1]

    everything = await client.get(
        f"{API}/users/alice/tweets", params={"limit": 100, "exclude_replies": "false"}
    )
    assert len(everything.json()["items"]) == 10


@pytest.mark.parametrize("bad", ["yes please", "2", "", "null"])
async def test_exclude_replies_must_be_a_boolean(
    client: httpx.AsyncClient, engine: AsyncEngine, bad: str
) -> None:
    await insert_users(engine, "alice")
    response = await client.get(f"{API}/users/alice/tweets", params={"exclude_replies": bad})
    assert_problem(response, 400, "validation_error")
