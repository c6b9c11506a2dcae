"""Many instances, one service: through either of two ``chirp serve`` processes (two ``chirp
worker`` processes doing the derived work) a user sees one service: posts reach followers,
media is served, and throttles, rate limits, idempotency keys and settings are shared."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import tweets
from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, login
from tests.support.uploads import upload

FRESH_WITHIN = 2.0  # seconds: API.md's bound for derived data
SETTINGS_WITHIN = 5.0  # seconds: "every running instance applies a change within 5 seconds"
WRONG = "not the password"
SETTINGS = f"{API}/admin/settings"


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float:
    """How long ``check`` took to hold (polled); fails past ``seconds``."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def feed_ids(http: httpx.AsyncClient, reader: Account) -> list[int]:
    response = await http.get(f"{API}/feed", params={"limit": 100}, headers=reader.auth)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def tweets_by(primary: AsyncEngine, author: Account) -> int:
    async with primary.connect() as connection:
        query = select(func.count()).where(tweets.c.author_id == author.user["id"])
        return int((await connection.execute(query)).scalar_one())


async def test_a_post_through_one_instance_is_in_a_followers_feed_on_the_other_within_2s(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    ann, ben = await insert_users(primary, *names[:2])
    follow = await second.post(f"{API}/users/{ann.username}/follow", headers=ben.auth)
    assert follow.status_code == 204

    for n in range(5):
        posted = await first.post(f"{API}/tweets", json={"text": f"hi {n}"}, headers=ann.auth)
        assert posted.status_code == 201, posted.text
        tweet_id = posted.json()["id"]

        async def arrived(tweet_id: int = tweet_id) -> bool:
            return tweet_id in await feed_ids(second, ben)

        await within(FRESH_WITHIN, arrived)


async def test_the_author_reads_a_post_back_at_once_through_the_other_instance(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    (ann,) = await insert_users(primary, names[0])
    for n in range(10):
        posted = await first.post(f"{API}/tweets", json={"text": f"mine {n}"}, headers=ann.auth)
        assert posted.status_code == 201, posted.text
        tweet_id = posted.json()["id"]

        shown = await second.get(f"{API}/tweets/{tweet_id}", headers=ann.auth)
        own = await second.get(f"{API}/users/{ann.username}/tweets", headers=ann.auth)

        assert shown.status_code == 200, shown.text
        assert tweet_id in [item["id"] for item in own.json()["items"]]
        assert tweet_id in await feed_ids(second, ann)


async def test_media_uploaded_through_one_instance_is_served_by_both(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    (ann,) = await insert_users(primary, names[0])
    avatar = await upload(first, "avatar", ann, samples.png_bytes())
    tweet = await upload(first, "tweet", ann, samples.jpeg_bytes())
    assert avatar.status_code == 200, avatar.text
    assert tweet.status_code == 201, tweet.text

    for url, content_type in (
        (avatar.json()["avatar_url"], "image/png"),
        (tweet.json()["image_url"], "image/jpeg"),
    ):
        path = urlsplit(url).path
        served = [await first.get(path), await second.get(path)]
        for response in served:
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == content_type
            assert response.headers["x-content-type-options"] == "nosniff"
        assert served[0].content == served[1].content
        assert served[0].content[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")


async def test_login_failures_through_either_instance_count_against_one_limit(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    (ann,) = await insert_users(primary, names[0])
    for attempt in range(10):  # login_failures_per_account's default
        either = (first, second)[attempt % 2]
        failed = await login(either, password=WRONG, username=ann.username)
        assert_problem(failed, 401, "invalid_credentials")

    for either in (first, second):
        refused = await login(either, username=ann.username)
        assert_problem(refused, 429, "too_many_attempts")
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60


async def change_settings(
    first: httpx.AsyncClient, admin: Account, **changes: int
) -> httpx.Response:
    response = await first.patch(SETTINGS, json=changes, headers=admin.auth)
    assert response.status_code == 200, response.text
    return response


async def test_a_settings_change_through_one_instance_applies_on_the_other_within_5s(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    (admin,) = await insert_users(primary, names[0], admin=True)
    (ann,) = await insert_users(primary, names[1])
    assert (await login(second, username=ann.username)).json()["expires_in"] == 30
    try:
        await change_settings(first, admin, access_token_ttl_seconds=120)

        async def applied() -> bool:
            response = await login(second, username=ann.username)
            assert response.status_code == 200, response.text
            return bool(response.json()["expires_in"] == 120)

        await within(SETTINGS_WITHIN, applied)
    finally:
        await change_settings(first, admin, access_token_ttl_seconds=30)


async def test_writes_through_either_instance_count_against_one_limit(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    probe, ann = await insert_users(primary, *names[:2])
    (admin,) = await insert_users(primary, names[2], admin=True)
    try:
        await change_settings(first, admin, writes_per_user_per_hour=4)

        async def applied() -> bool:  # the probe's own writes, not ann's
            posted = await second.post(f"{API}/tweets", json={"text": "p"}, headers=probe.auth)
            return bool(posted.headers.get("ratelimit-policy") == '"writes";q=4;w=3600')

        await within(SETTINGS_WITHIN, applied)

        allowed = [
            await (first, second)[n % 2].post(
                f"{API}/tweets", json={"text": f"hi {n}"}, headers=ann.auth
            )
            for n in range(4)
        ]
        refused = [
            await either.post(f"{API}/tweets", json={"text": "one more"}, headers=ann.auth)
            for either in (first, second)
        ]
    finally:
        await change_settings(first, admin, writes_per_user_per_hour=1000)

    assert [response.status_code for response in allowed] == [201] * 4
    assert [response.headers["ratelimit"].split(";")[1] for response in allowed] == [
        "r=3",
        "r=2",
        "r=1",
        "r=0",
    ]
    for response in refused:
        assert_problem(response, 429, "too_many_requests")
        assert int(response.headers["retry-after"]) >= 1
    assert await tweets_by(primary, ann) == 4


async def test_an_idempotency_key_used_through_one_instance_is_replayed_by_the_other(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    (ann,) = await insert_users(primary, names[0])
    keyed = {**ann.auth, "Idempotency-Key": f"post-{names[0]}"}
    # A retry sends the same bytes: one multipart body (with its boundary), sent twice.
    multipart = first.build_request(
        "POST", f"{API}/tweets", files={"image": ("cat.png", samples.png_bytes(), "image/png")}
    )
    upload_keyed = {
        **ann.auth,
        "Idempotency-Key": f"upload-{names[0]}",
        "Content-Type": multipart.headers["content-type"],
    }
    body = multipart.read()

    created = await first.post(f"{API}/tweets", json={"text": "once"}, headers=keyed)
    replayed = await second.post(f"{API}/tweets", json={"text": "once"}, headers=keyed)
    uploaded = await first.post(f"{API}/tweets", content=body, headers=upload_keyed)
    reuploaded = await second.post(f"{API}/tweets", content=body, headers=upload_keyed)

    for original, replay in ((created, replayed), (uploaded, reuploaded)):
        assert original.status_code == 201, original.text
        assert "idempotent-replayed" not in original.headers
        assert replay.status_code == 201, replay.text
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.content == original.content
        assert replay.headers["location"] == original.headers["location"]
    assert await tweets_by(primary, ann) == 2


async def test_a_key_sent_to_both_instances_at_once_creates_one_tweet(
    first: httpx.AsyncClient, second: httpx.AsyncClient, primary: AsyncEngine, names: list[str]
) -> None:
    (ann,) = await insert_users(primary, names[0])
    for n in range(5):
        keyed = {**ann.auth, "Idempotency-Key": f"race-{n}"}
        answers = await asyncio.gather(
            first.post(f"{API}/tweets", json={"text": f"race {n}"}, headers=keyed),
            second.post(f"{API}/tweets", json={"text": f"race {n}"}, headers=keyed),
        )
        created = [a for a in answers if a.status_code == 201]
        assert created, [a.text for a in answers]
        for answer in answers:
            if answer.status_code == 409:
                assert_problem(answer, 409, "idempotency_key_in_use")
            else:
                assert answer.status_code == 201, answer.text
                assert answer.content == created[0].content
    assert await tweets_by(primary, ann) == 5
