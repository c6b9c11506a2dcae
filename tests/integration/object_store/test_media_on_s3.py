"""Media in an S3-compatible store (CHIRP_MEDIA_STORE) through the API: uploads land in the
bucket, ``/media/{name}`` serves them with the same headers as from local files, deletes
remove the objects (later, by a job, if the store is down then), and a store that is down
makes uploads a 503 while the rest answers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import obstore
import pytest
from litestar import Litestar
from obstore.store import S3Store
from sqlalchemy.ext.asyncio import AsyncEngine

from devservers.seaweedfs import ThrowawaySeaweedFS
from entrypoints.config import MediaStore
from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, assert_problem
from tests.support.app import make_app, serve
from tests.support.jobs import drain
from tests.support.uploads import media_files, media_name, upload

REGION = "us-east-1"


async def stored_object(store: S3Store, name: str) -> bytes | None:
    try:
        return bytes(await (await obstore.get_async(store, name)).bytes_async())
    except FileNotFoundError:
        return None


@pytest.fixture
def bucket_on(running_store: ThrowawaySeaweedFS) -> str:
    name = f"chirp-{uuid.uuid4().hex[:12]}"
    running_store.create_bucket(name)
    return name


@pytest.fixture
def raw(running_store: ThrowawaySeaweedFS, bucket_on: str) -> S3Store:
    """The bucket as seen without Chirp."""
    return S3Store(
        bucket_on,
        endpoint=running_store.endpoint,
        region=REGION,
        client_options={"allow_http": True},
    )


@pytest.fixture
def s3_app(
    engine: AsyncEngine, media_dir: Path, running_store: ThrowawaySeaweedFS, bucket_on: str
) -> Litestar:
    store = MediaStore(bucket_on, running_store.endpoint, REGION)
    return make_app(engine, media_dir=media_dir, media_store=store)


@pytest.fixture
async def s3_client(s3_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(s3_app, drain_before_reads=True) as http:
        yield http


async def test_uploads_are_objects_served_by_chirp_with_their_headers(
    s3_client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path, raw: S3Store
) -> None:
    (alice,) = await insert_users(engine, "alice")

    avatar = await upload(s3_client, "avatar", alice, samples.png_bytes())
    tweet = await upload(s3_client, "tweet", alice, samples.jpeg_bytes())

    assert avatar.status_code == 200, avatar.text
    assert tweet.status_code == 201, tweet.text
    for url, content_type in (
        (avatar.json()["avatar_url"], "image/png"),
        (tweet.json()["image_url"], "image/jpeg"),
    ):
        stored = await stored_object(raw, media_name(url))
        assert stored is not None
        served = await s3_client.get(url)
        assert served.status_code == 200
        assert served.content == stored
        assert served.headers["content-type"] == content_type
        assert served.headers["x-content-type-options"] == "nosniff"
        head = await s3_client.head(url)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == content_type
        assert head.headers["content-length"] == str(len(stored))
    assert media_files(media_dir) == set()  # nothing went to the local directory


async def test_deleting_a_tweet_or_an_avatar_deletes_its_object(
    s3_client: httpx.AsyncClient, engine: AsyncEngine, raw: S3Store
) -> None:
    (alice,) = await insert_users(engine, "alice")
    kept = (await upload(s3_client, "tweet", alice, samples.png_bytes())).json()
    doomed = (await upload(s3_client, "tweet", alice, samples.gif_bytes())).json()
    avatar = (await upload(s3_client, "avatar", alice, samples.webp_bytes())).json()

    deleted = await s3_client.delete(f"{API}/tweets/{doomed['id']}", headers=alice.auth)
    removed = await s3_client.delete(f"{API}/me/avatar", headers=alice.auth)

    assert (deleted.status_code, removed.status_code) == (204, 204)
    assert await stored_object(raw, media_name(doomed["image_url"])) is None
    assert await stored_object(raw, media_name(avatar["avatar_url"])) is None
    assert await stored_object(raw, media_name(kept["image_url"])) is not None
    assert_problem(await s3_client.get(doomed["image_url"]), 404)
    assert (await s3_client.get(kept["image_url"])).status_code == 200


async def test_with_the_store_down_uploads_are_a_503_and_the_rest_answers(
    s3_client: httpx.AsyncClient, engine: AsyncEngine, running_store: ThrowawaySeaweedFS
) -> None:
    (alice,) = await insert_users(engine, "alice")
    image_url = (await upload(s3_client, "tweet", alice, samples.png_bytes())).json()["image_url"]

    running_store.stop()

    for target in ("tweet", "avatar"):
        refused = await upload(s3_client, target, alice, samples.png_bytes())
        assert_problem(refused, 503, "service_unavailable")
        assert int(refused.headers["retry-after"]) > 0
    assert_problem(await s3_client.get(image_url), 503, "service_unavailable")
    assert (await s3_client.get(f"{API}/me", headers=alice.auth)).status_code == 200
    posted = await s3_client.post(f"{API}/tweets", json={"text": "still here"}, headers=alice.auth)
    assert posted.status_code == 201
    assert (await s3_client.get(f"{API}/me", headers=alice.auth)).json()["avatar_url"] is None


async def test_with_the_store_down_deletes_answer_204_and_a_job_deletes_the_objects_later(
    s3_app: Litestar,
    s3_client: httpx.AsyncClient,
    engine: AsyncEngine,
    running_store: ThrowawaySeaweedFS,
    raw: S3Store,
) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet = (await upload(s3_client, "tweet", alice, samples.png_bytes())).json()
    avatar = (await upload(s3_client, "avatar", alice, samples.gif_bytes())).json()
    names = [media_name(tweet["image_url"]), media_name(avatar["avatar_url"])]
    running_store.stop()

    deleted = await s3_client.delete(f"{API}/tweets/{tweet['id']}", headers=alice.auth)
    removed = await s3_client.delete(f"{API}/me/avatar", headers=alice.auth)

    assert (deleted.status_code, removed.status_code) == (204, 204)
    running_store.start()
    for name in names:  # the store was not told: the objects outlived their rows
        assert await stored_object(raw, name) is not None
    await drain(s3_app)
    for name in names:
        assert await stored_object(raw, name) is None
