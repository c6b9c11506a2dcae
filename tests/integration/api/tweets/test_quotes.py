"""Quotes over HTTP: ``quoted_tweet_id`` on POST /tweets, the embedded ``quoted_tweet`` (one
level, null once the original is deleted), ``quote_count`` derived by the workers and
corrected by ``repair``, and GET /tweets/{id}/quotes in keyset pages."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from application.derived.fold_counts import RepairCounts
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, error_fields
from tests.support.contract import assert_tweet
from tests.support.jobs import drain
from tests.support.tweet_pages import tweet_page


async def post(client: httpx.AsyncClient, author: Account, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}/tweets", json=body, headers=author.auth)
    assert response.status_code == 201, response.text
    return assert_tweet(response.json())


async def quote(
    client: httpx.AsyncClient, author: Account, tweet_id: int, words: str = "so true"
) -> dict[str, Any]:
    return await post(client, author, {"text": words, "quoted_tweet_id": tweet_id})


async def get(client: httpx.AsyncClient, tweet_id: int, who: Account | None = None) -> Any:
    response = await client.get(f"{API}/tweets/{tweet_id}", headers=who.auth if who else None)
    assert response.status_code == 200, response.text
    return assert_tweet(response.json())


async def quotes(
    client: httpx.AsyncClient, tweet_id: int, who: Account | None = None, **params: Any
) -> dict[str, Any]:
    return await tweet_page(client, f"/tweets/{tweet_id}/quotes", who, **params)


async def test_a_quote_embeds_the_original_and_the_original_counts_it(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    original = await post(client, alice, {"text": "#cats rule @bob"})
    assert (original["quote_count"], original["quoted_tweet_id"]) == (0, None)
    assert original["quoted_tweet"] is None
    like = await client.post(f"{API}/tweets/{original['id']}/like", headers=bob.auth)
    assert like.status_code == 200

    posted = await quote(client, bob, original["id"])

    assert posted["quoted_tweet_id"] == original["id"]
    embedded = posted["quoted_tweet"]
    assert (embedded["id"], embedded["text"], embedded["liked_by_me"]) == (
        original["id"],
        "#cats rule @bob",
        True,
    )
    assert embedded["quote_count"] == 1  # the author sees their own quote counted at once
    assert [user["username"] for user in embedded["mentions"]] == ["bob"]
    assert embedded["hashtags"] == ["cats"]
    assert posted["quote_count"] == 0
    assert (await get(client, posted["id"]))["quoted_tweet"]["liked_by_me"] is None

    await drain(app)
    assert (await get(client, original["id"]))["quote_count"] == 1


async def test_a_quote_of_a_quote_embeds_one_level(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")
    original = await post(client, alice, {"text": "first"})
    middle = await quote(client, bob, original["id"])

    outer = await quote(client, carol, middle["id"])

    for body in (outer, await get(client, outer["id"], carol)):
        assert body["quoted_tweet"]["id"] == middle["id"]
        assert body["quoted_tweet"]["quoted_tweet_id"] == original["id"]
        assert body["quoted_tweet"]["quoted_tweet"] is None


async def test_deleting_the_original_keeps_its_quotes_with_null_embedded(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    original = await post(client, alice, {"text": "soon gone"})
    posted = await quote(client, bob, original["id"])

    deleted = await client.delete(f"{API}/tweets/{original['id']}", headers=alice.auth)
    assert deleted.status_code == 204

    body = await get(client, posted["id"], bob)
    assert (body["quoted_tweet_id"], body["quoted_tweet"]) == (original["id"], None)
    listed = await client.get(f"{API}/users/bob/tweets")
    assert [item["quoted_tweet"] for item in listed.json()["items"]] == [None]
    gone = await client.get(f"{API}/tweets/{original['id']}/quotes")
    assert_problem(gone, 404, "tweet_not_found")
    await drain(app)  # the count change of a deleted tweet is folded away harmlessly


async def test_quote_count_is_exact_after_the_workers_and_repair_corrects_a_drift(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (author,) = await insert_users(engine, "author")
    quoters = await insert_users(engine, *(f"q{n:02}" for n in range(20)))
    original = await post(client, author, {"text": "quote me"})

    posted = await asyncio.gather(*(quote(client, q, original["id"]) for q in quoters))
    for who, body in list(zip(quoters, posted, strict=True))[:5]:
        response = await client.delete(f"{API}/tweets/{body['id']}", headers=who.auth)
        assert response.status_code == 204
    await drain(app)

    assert (await get(client, original["id"]))["quote_count"] == 15
    async with app.state.dishka_container() as scope:
        assert await (await scope.get(RepairCounts))() == []
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE tweets SET quote_count = 3 WHERE id = :id"), {"id": original["id"]}
        )
    async with app.state.dishka_container() as scope:
        drifts = await (await scope.get(RepairCounts))()
    assert [(d.counter, d.subject_id, d.stored, d.actual) for d in drifts] == [
        ("tweets.quote_count", original["id"], 3, 15)
    ]
    assert (await get(client, original["id"]))["quote_count"] == 15


async def test_quotes_in_pages_newest_first_without_repeats_or_gaps_while_quotes_come(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")
    original = await post(client, alice, {"text": "quote me"})
    other = await post(client, alice, {"text": "another"})
    await quote(client, carol, other["id"])
    await post(client, bob, {"text": "not a quote"})
    quoted = [
        (await quote(client, bob if i % 2 else carol, original["id"]))["id"] for i in range(7)
    ]
    seen: list[int] = []
    added: list[int] = []
    cursor = None
    while True:
        body = await quotes(
            client, original["id"], alice, limit=3, **({"cursor": cursor} if cursor else {})
        )
        seen += [item["id"] for item in body["items"]]
        assert all(item["quoted_tweet"]["id"] == original["id"] for item in body["items"])
        assert all(item["liked_by_me"] is False for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        added.append((await quote(client, carol, original["id"]))["id"])

    assert seen == quoted[::-1]
    assert added
    fresh = await quotes(client, original["id"], limit=100)
    assert [item["id"] for item in fresh["items"]] == added[::-1] + quoted[::-1]
    assert all(item["liked_by_me"] is None for item in fresh["items"])


async def test_a_tweet_nobody_quoted_has_an_empty_page(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    original = await post(client, alice, {"text": "alone"})

    assert await quotes(client, original["id"]) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("tweet_id", ["999999", "0", "9223372036854775807"])
async def test_quotes_of_a_missing_tweet_are_404(client: httpx.AsyncClient, tweet_id: str) -> None:
    response = await client.get(f"{API}/tweets/{tweet_id}/quotes")

    assert_problem(response, 404, "tweet_not_found")


@pytest.mark.parametrize("tweet_id", ["-1", "abc", "99999999999999999999999"])
async def test_quotes_of_an_id_that_is_no_id_are_a_problem_not_a_500(
    client: httpx.AsyncClient, tweet_id: str
) -> None:
    response = await client.get(f"{API}/tweets/{tweet_id}/quotes")

    assert response.status_code in (400, 404), response.text
    assert_problem(response, response.status_code)


async def test_bad_paging_parameters_are_400(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    original = await post(client, alice, {"text": "quote me"})
    for params in ({"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"cursor": "nope"}):
        response = await client.get(f"{API}/tweets/{original['id']}/quotes", params=params)
        assert_problem(response, 400)


async def test_a_quote_of_a_missing_tweet_is_404_and_stores_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")

    response = await client.post(
        f"{API}/tweets", json={"text": "hm", "quoted_tweet_id": 999_999}, headers=alice.auth
    )

    assert_problem(response, 404, "tweet_not_found")
    assert (await client.get(f"{API}/users/alice/tweets")).json()["items"] == []


@pytest.mark.parametrize("value", [0, -3, "12", 1.5, True, [1], {"id": 1}, 2**63, 2**64, 10**30])
async def test_a_quoted_tweet_id_that_is_no_id_is_a_validation_error(
    client: httpx.AsyncClient, engine: AsyncEngine, value: Any
) -> None:
    [alice] = await insert_users(engine, "alice")

    response = await client.post(
        f"{API}/tweets", json={"text": "hm", "quoted_tweet_id": value}, headers=alice.auth
    )

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"quoted_tweet_id"}, body


async def test_a_quote_keeps_the_text_rule_and_null_means_no_quote(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    original = await post(client, alice, {"text": "first"})

    empty = await client.post(
        f"{API}/tweets", json={"text": " ", "quoted_tweet_id": original["id"]}, headers=alice.auth
    )
    plain = await post(client, alice, {"text": "plain", "quoted_tweet_id": None})

    assert error_fields(assert_problem(empty, 400, "validation_error")) == {"text"}
    assert (plain["quoted_tweet_id"], plain["quoted_tweet"]) == (None, None)


async def test_the_v1_form_takes_no_quote(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    [alice] = await insert_users(engine, "alice")
    original = await post(client, alice, {"text": "first"})

    response = await client.post(
        f"{API}/tweets",
        files={"text": (None, "hm"), "quoted_tweet_id": (None, str(original["id"]))},
        headers=alice.auth,
    )

    assert response.status_code == 400, response.text
    assert_problem(response, 400)


async def test_replies_context_and_a_feed_with_reposts_embed_quoted_tweets(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, reader = await insert_users(engine, "alice", "bob", "reader")
    original = await post(client, alice, {"text": "original"})
    both = {"in_reply_to_id": original["id"], "quoted_tweet_id": original["id"]}
    quoting_reply = await post(client, bob, {"text": "a reply that quotes", **both})
    below = {"in_reply_to_id": quoting_reply["id"], "quoted_tweet_id": original["id"]}
    await post(client, alice, {"text": "below it, quoting too", **below})
    assert (await client.post(f"{API}/users/bob/follow", headers=reader.auth)).status_code == 204
    reposted = await client.post(f"{API}/tweets/{original['id']}/repost", headers=bob.auth)
    assert reposted.status_code == 200, reposted.text
    bobs_quote = await quote(client, bob, original["id"])
    await drain(app)

    context = (await client.get(f"{API}/tweets/{quoting_reply['id']}/context")).json()
    replies = (await client.get(f"{API}/tweets/{original['id']}/replies")).json()
    feed = (await client.get(f"{API}/feed", headers=reader.auth)).json()

    assert [t["quoted_tweet"] for t in context["ancestors"]] == [None]
    assert [assert_tweet(t)["quoted_tweet"]["id"] for t in context["descendants"]] == [
        original["id"]
    ]
    assert [assert_tweet(t)["quoted_tweet"]["id"] for t in replies["items"]] == [original["id"]]
    by_id = {assert_tweet(item)["id"]: item for item in feed["items"]}
    # The original is on the page as bob's repost; embedded in bob's quote it is the tweet
    # itself, with no reposted_by.
    assert by_id[original["id"]]["reposted_by"]["username"] == "bob"
    embedded = by_id[bobs_quote["id"]]["quoted_tweet"]
    assert (embedded["id"], embedded["reposted_by"]) == (original["id"], None)
