"""Idempotency-Key on POST /tweets (API.md "Writes: idempotency and rate limits"): the same
user's same key and body get the first response again, and nothing is created twice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from application.ports.image_processor import ImageProcessor, ProcessedImage
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, error_fields
from tests.support.app import make_app, serve
from tests.support.doubles import FAKE_IMAGE_PREFIX, FakeImageProcessor
from tests.support.wiring import override

TWEETS = f"{API}/tweets"
REPLAYED = "idempotent-replayed"


async def tweet_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT COUNT(*) FROM tweets"))).scalar_one())


def keyed(account: Account, key: str, **headers: str) -> dict[str, str]:
    return {**account.auth, "Idempotency-Key": key, **headers}


async def post_json(
    client: httpx.AsyncClient, account: Account, key: str, body: dict[str, Any] | str
) -> httpx.Response:
    content = body if isinstance(body, str) else json.dumps(body)
    headers = keyed(account, key, **{"Content-Type": "application/json"})
    return await client.post(TWEETS, content=content, headers=headers)


def multipart(text_value: str, image: bytes, boundary: str = "chirp-test-boundary") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text_value}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="i.png"\r\n'
        "Content-Type: image/png\r\n\r\n",
    ]
    return "".join(parts).encode() + image + f"\r\n--{boundary}--\r\n".encode()


async def post_multipart(
    client: httpx.AsyncClient, account: Account, key: str, body: bytes
) -> httpx.Response:
    content_type = "multipart/form-data; boundary=chirp-test-boundary"
    return await client.post(
        TWEETS, content=body, headers=keyed(account, key, **{"Content-Type": content_type})
    )


def assert_replay_of(replay: httpx.Response, first: httpx.Response) -> None:
    assert replay.headers.get(REPLAYED) == "true"
    assert replay.status_code == first.status_code
    assert replay.content == first.content
    assert replay.headers.get("location") == first.headers.get("location")
    assert replay.headers["content-type"] == first.headers["content-type"]


async def test_the_same_key_again_gets_the_first_response_and_creates_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    first = await post_json(client, alice, "key-1", {"text": "once"})
    again = await post_json(client, alice, "key-1", {"text": "once"})

    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers
    assert first.headers["location"].endswith(f"/tweets/{first.json()['id']}")
    assert_replay_of(again, first)
    assert await tweet_count(engine) == 1


async def test_equal_json_is_the_same_body_whatever_its_key_order_and_spacing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    first = await post_json(client, alice, "k", '{"text": "caf\\u00e9"}')
    again = await post_json(client, alice, "k", '{\n  "text" :   "café"\n}')

    assert first.status_code == 201, first.text
    assert_replay_of(again, first)
    assert await tweet_count(engine) == 1


async def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")
    assert (await post_json(client, alice, "k", {"text": "one"})).status_code == 201

    response = await post_json(client, alice, "k", {"text": "another"})

    assert_problem(response, 422, "idempotency_key_mismatch")
    assert await tweet_count(engine) == 1


async def test_keys_are_per_user(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")

    first = await post_json(client, alice, "shared-key", {"text": "hi"})
    other = await post_json(client, bob, "shared-key", {"text": "hi"})

    assert first.status_code == other.status_code == 201
    assert REPLAYED not in other.headers
    assert other.json()["author"]["username"] == "bob"
    assert other.json()["id"] != first.json()["id"]
    assert await tweet_count(engine) == 2


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"with space", id="space"),
        pytest.param(b"x" * 256, id="256-characters"),
        pytest.param("caf\u00e9".encode("latin-1"), id="not-ascii"),
        pytest.param(b"tab\there", id="control-character"),
    ],
)
async def test_a_malformed_key_is_a_400_and_creates_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, key: bytes
) -> None:
    (alice,) = await insert_users(engine, "alice")
    headers = [
        (b"authorization", alice.auth["Authorization"].encode()),
        (b"idempotency-key", key),
        (b"content-type", b"application/json"),
    ]

    response = await client.post(TWEETS, content=b'{"text": "hi"}', headers=headers)

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"Idempotency-Key"}
    assert await tweet_count(engine) == 0


async def test_the_longest_key_is_accepted(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    (alice,) = await insert_users(engine, "alice")
    key = "".join(chr(33 + i % 94) for i in range(255))  # every visible ASCII character

    first = await post_json(client, alice, key, {"text": "hi"})
    again = await post_json(client, alice, key, {"text": "hi"})

    assert first.status_code == 201, first.text
    assert_replay_of(again, first)


async def test_a_refused_request_is_kept_and_replayed_too(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    first = await post_json(client, alice, "k", {"text": "x" * 281})
    again = await post_json(client, alice, "k", {"text": "x" * 281})

    assert_problem(first, 400, "validation_error")
    assert_replay_of(again, first)
    assert await tweet_count(engine) == 0


async def test_a_multipart_post_with_identical_bytes_is_replayed(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    from tests.support.image_samples import png_bytes  # noqa: PLC0415

    (alice,) = await insert_users(engine, "alice")
    body = multipart("with a picture", png_bytes(8, 8))

    first = await post_multipart(client, alice, "upload-1", body)
    again = await post_multipart(client, alice, "upload-1", body)
    other = await post_multipart(
        client, alice, "upload-1", multipart("other text", png_bytes(8, 8))
    )

    assert first.status_code == 201, first.text
    assert first.json()["image_url"]
    assert_replay_of(again, first)
    assert_problem(other, 422, "idempotency_key_mismatch")
    assert await tweet_count(engine) == 1


async def test_racing_duplicates_create_one_tweet(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    responses = await asyncio.gather(
        *(post_json(client, alice, "race", {"text": "just once"}) for _ in range(10))
    )

    created = [r for r in responses if r.status_code == 201 and REPLAYED not in r.headers]
    assert len(created) == 1, [r.text for r in responses]
    for response in responses:
        if response is created[0]:
            continue
        if response.status_code == 409:
            assert_problem(response, 409, "idempotency_key_in_use")
        else:
            assert_replay_of(response, created[0])
    assert await tweet_count(engine) == 1


class GatedImages(ImageProcessor):
    """The fake image processor, holding its first image until ``gate`` is set."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self._images = FakeImageProcessor()

    async def process(self, data: bytes) -> ProcessedImage:
        if not self.entered.is_set():
            self.entered.set()
            await self.gate.wait()
        return await self._images.process(data)


async def test_while_the_first_is_still_processed_the_same_key_is_a_409(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    images = GatedImages()
    async with serve(
        make_app(engine, override(ImageProcessor, images), media_dir=tmp_path)
    ) as client:
        (alice,) = await insert_users(engine, "alice")
        body = multipart("slow", FAKE_IMAGE_PREFIX + b"picture")
        first = asyncio.create_task(post_multipart(client, alice, "slow", body))
        await images.entered.wait()

        meanwhile = await post_multipart(client, alice, "slow", body)
        assert_problem(meanwhile, 409, "idempotency_key_in_use")

        images.gate.set()
        done = await first
        afterwards = await post_multipart(client, alice, "slow", body)

    assert done.status_code == 201, done.text
    assert_replay_of(afterwards, done)
    assert await tweet_count(engine) == 1
