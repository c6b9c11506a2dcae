"""Notifications through the API, on both databases: made by the workers (the client drains
them before each read), with API.md's rules of dedup, self, blocks and mutes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, assert_unauthorized
from tests.support.contract import assert_timestamp, assert_tweet, assert_user_summary


async def post(client: httpx.AsyncClient, author: Account, text: str, **fields: Any) -> int:
    body = {"text": text, **fields}
    response = await client.post(f"{API}/tweets", json=body, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def act(client: httpx.AsyncClient, who: Account, method: str, path: str) -> None:
    response = await client.request(method, f"{API}{path}", headers=who.auth)
    assert response.status_code in (200, 204), response.text


async def notified(client: httpx.AsyncClient, who: Account, **params: Any) -> list[Any]:
    response = await client.get(f"{API}/notifications", headers=who.auth, params=params)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    for item in items:
        assert set(item) == {"id", "type", "created_at", "actor", "tweet", "read"}, item
        assert_timestamp(item["created_at"])
        assert_user_summary(item["actor"])
        if item["tweet"] is not None:
            assert_tweet(item["tweet"])
    return items


def summary(items: list[Any]) -> list[tuple[str, str, int | None]]:
    return [(i["type"], i["actor"]["username"], i["tweet"] and i["tweet"]["id"]) for i in items]


async def unread(client: httpx.AsyncClient, who: Account) -> int:
    response = await client.get(f"{API}/notifications/unread-count", headers=who.auth)
    assert response.status_code == 200, response.text
    count: int = response.json()["count"]
    return count


async def test_each_kind_of_notification_once_and_none_for_ones_own(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    anns = await post(client, ann, "hello")
    await act(client, ben, "POST", "/users/ann/follow")
    for _ in range(2):  # like, unlike, like: one notification
        await act(client, ben, "POST", f"/tweets/{anns}/like")
        await act(client, ben, "DELETE", f"/tweets/{anns}/like")
    await act(client, ben, "POST", f"/tweets/{anns}/like")
    await act(client, ben, "POST", f"/tweets/{anns}/repost")
    reply = await post(client, ben, "@ann hi back", in_reply_to_id=anns)  # one reply
    quote = await post(client, cat, "look", quoted_tweet_id=anns)
    mention = await post(client, cat, "hey @ann and @cat")
    await act(client, ann, "POST", f"/tweets/{anns}/like")  # one's own: nothing
    await post(client, ann, "me @ann", in_reply_to_id=anns)

    # Newest first: in the order the workers made them.
    items = await notified(client, ann)
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    assert sorted(summary(items), key=str) == sorted(
        [
            ("mention", "cat", mention),
            ("quote", "cat", quote),
            ("reply", "ben", reply),
            ("repost", "ben", anns),
            ("like", "ben", anns),
            ("follow", "ben", None),
        ],
        key=str,
    )
    assert await notified(client, cat) == []
    assert sorted(summary(await notified(client, ann, types="like,follow")), key=str) == [
        ("follow", "ben", None),
        ("like", "ben", anns),
    ]
    quoted = (await notified(client, ann, types="quote"))[0]["tweet"]
    assert quoted["quoted_tweet"]["id"] == anns


async def test_unread_count_and_marking_read(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    await act(client, ben, "POST", "/users/ann/follow")
    await act(client, cat, "POST", "/users/ann/follow")
    first, second = [item["id"] for item in reversed(await notified(client, ann))]
    assert await unread(client, ann) == 2

    response = await client.post(
        f"{API}/notifications/read", json={"up_to_id": first}, headers=ann.auth
    )
    assert response.status_code == 204, response.text
    assert await unread(client, ann) == 1
    assert [i["read"] for i in await notified(client, ann)] == [False, True]
    # The marker never moves back; without up_to_id everything is read.
    await client.post(f"{API}/notifications/read", json={"up_to_id": 1}, headers=ann.auth)
    assert await unread(client, ann) == 1
    assert (await client.post(f"{API}/notifications/read", headers=ann.auth)).status_code == 204
    assert await unread(client, ann) == 0
    assert all(i["read"] for i in await notified(client, ann))
    anns = await post(client, ann, "new")
    await act(client, ben, "POST", f"/tweets/{anns}/like")
    assert await unread(client, ann) == 1
    assert second > first


async def test_blocks_and_notification_mutes_hide_notifications_at_read_time(
    clocked_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    client = clocked_client
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    anns = await post(client, ann, "hello")
    for who in (ben, cat):
        await act(client, who, "POST", f"/tweets/{anns}/like")
    assert await unread(client, ann) == 2

    await act(client, ann, "POST", "/users/ben/block")
    response = await client.post(
        f"{API}/users/cat/mute", json={"notifications": True}, headers=ann.auth
    )
    assert response.status_code == 204
    assert await notified(client, ann) == []
    assert await unread(client, ann) == 0

    # A mute without notifications leaves them; unblocking shows the earlier ones again.
    response = await client.post(
        f"{API}/users/cat/mute", json={"notifications": False}, headers=ann.auth
    )
    await act(client, ann, "DELETE", "/users/ben/block")
    assert sorted(summary(await notified(client, ann))) == [
        ("like", "ben", anns),
        ("like", "cat", anns),
    ]
    assert await unread(client, ann) == 2


async def test_a_deleted_tweet_takes_its_notifications(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    anns = await post(client, ann, "hello")
    await act(client, ben, "POST", f"/tweets/{anns}/like")
    bens = await post(client, ben, "hi @ann")
    assert await unread(client, ann) == 2
    await act(client, ann, "DELETE", f"/tweets/{anns}")
    await act(client, ben, "DELETE", f"/tweets/{bens}")
    assert await notified(client, ann) == []
    assert await unread(client, ann) == 0


@pytest.mark.parametrize("types", ["", "likes", "like,,follow", "LIKE"])
async def test_an_unknown_type_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, types: str
) -> None:
    (ann,) = await insert_users(engine, "ann")
    response = await client.get(f"{API}/notifications", params={"types": types}, headers=ann.auth)
    assert_problem(response, 400, "validation_error")


async def test_notifications_need_a_token_and_valid_input(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (ann,) = await insert_users(engine, "ann")
    assert_unauthorized(await client.get(f"{API}/notifications"))
    assert_unauthorized(await client.get(f"{API}/notifications/unread-count"))
    assert_unauthorized(await client.post(f"{API}/notifications/read"))
    for body in ({"up_to_id": 0}, {"up_to_id": "1"}, {"all": True}):
        response = await client.post(f"{API}/notifications/read", json=body, headers=ann.auth)
        assert_problem(response, 400, "validation_error")
