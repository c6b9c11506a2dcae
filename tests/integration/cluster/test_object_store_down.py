"""The object store stopped under real processes (SeaweedFS killed): uploads through either
instance are a 503 with Retry-After, never a 500, while text posts, feeds, profiles and
likes answer; once it is back, uploads work through both without restarting Chirp.
(tests/integration/object_store/ covers the adapter and the API in-process.)"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from devservers.seaweedfs import ThrowawaySeaweedFS
from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.uploads import upload

UPLOADS = ("tweet", "avatar")


async def uploaded(either: httpx.AsyncClient, target: str, ann: Account) -> httpx.Response:
    return await upload(either, target, ann, samples.png_bytes(), "a.png", "image/png")


async def test_with_the_store_down_uploads_are_a_503_and_the_rest_answers_then_recovers(
    first: httpx.AsyncClient,
    second: httpx.AsyncClient,
    primary: AsyncEngine,
    store: ThrowawaySeaweedFS,
    names: list[str],
) -> None:
    ann, ben = await insert_users(primary, *names[:2])
    followed = await first.post(f"{API}/users/{ann.username}/follow", headers=ben.auth)
    assert followed.status_code == 204

    store.stop()
    try:
        for either in (first, second):
            for target in UPLOADS:
                refused = await uploaded(either, target, ann)
                assert_problem(refused, 503, "service_unavailable")
                assert int(refused.headers["retry-after"]) > 0

            posted = await either.post(f"{API}/tweets", json={"text": "hi"}, headers=ann.auth)
            assert posted.status_code == 201, posted.text
            tweet_id = posted.json()["id"]
            liked = await either.post(f"{API}/tweets/{tweet_id}/like", headers=ben.auth)
            assert liked.status_code == 200, liked.text
            feed = await either.get(f"{API}/feed", headers=ben.auth)
            assert feed.status_code == 200, feed.text
            assert tweet_id in [item["id"] for item in feed.json()["items"]]
            profile = await either.get(f"{API}/users/{ann.username}")
            assert profile.status_code == 200, profile.text
            assert profile.json()["avatar_url"] is None
            me = await either.get(f"{API}/me", headers=ann.auth)
            assert me.status_code == 200, me.text
    finally:
        store.start()

    for either in (first, second):
        for target in UPLOADS:
            accepted = await uploaded(either, target, ann)
            assert accepted.status_code in (200, 201), accepted.text
            url = accepted.json()["image_url" if target == "tweet" else "avatar_url"]
            served = await (second if either is first else first).get(urlsplit(url).path)
            assert served.status_code == 200, served.text
            assert served.headers["content-type"] == "image/png"
