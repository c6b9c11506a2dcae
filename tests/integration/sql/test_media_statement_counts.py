"""Media on tweet pages cost one statement per page, whatever the page size and however
many media each tweet has (counted where the driver sees them, as test_statement_counts
does); a page with no image on it costs none."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.app import make_app, serve
from tests.support.contract import assert_tweet
from tests.support.jobs import drain
from tests.support.statements import StatementLog, counting_engine, sent_by

WITH_MEDIA = 20  # 50 uploads: under uploads_per_user_per_hour


async def statements(
    http: httpx.AsyncClient, log: StatementLog, url: str, account: Account
) -> list[str]:
    return (await sent_by(http, log, url, headers=account.auth))[1]


async def count(http: httpx.AsyncClient, log: StatementLog, url: str, account: Account) -> int:
    await statements(http, log, url, account)  # warm: connections, prepared statements
    return len(await statements(http, log, url, account))


async def test_media_cost_one_statement_per_page(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    author, reader = await insert_users(engine, "author", "reader")
    assert (await client.post(f"{API}/users/author/follow", headers=reader.auth)).status_code == 204
    text_only = []
    for i in range(WITH_MEDIA):
        media_ids = []
        for _ in range(1 + i % 4):
            uploaded = await client.post(
                f"{API}/media",
                files={"file": ("a.png", samples.png_bytes(8, 8), "image/png")},
                headers=author.auth,
            )
            assert uploaded.status_code == 201, uploaded.text
            media_ids.append(uploaded.json()["id"])
        posted = await client.post(
            f"{API}/tweets", json={"media_ids": media_ids}, headers=author.auth
        )
        assert posted.status_code == 201, posted.text
    for i in range(5):
        posted = await client.post(f"{API}/tweets", json={"text": f"t{i}"}, headers=author.auth)
        text_only.append(posted.json()["id"])
    await drain(app)

    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            page = await http.get(f"{API}/feed?limit=25", headers=reader.auth)
            tweets = [assert_tweet(item) for item in page.json()["items"]]
            assert sorted(len(t["media"]) for t in tweets) == sorted(
                [0] * 5 + [1 + i % 4 for i in range(WITH_MEDIA)]
            )

            counts = {
                (path, limit): await count(http, log, f"{API}{path}?limit={limit}", reader)
                for path in ("/feed", "/users/author/tweets")
                for limit in (4, 25, 100)
            }
            media_query = (await statements(http, log, f"{API}/feed?limit=25", reader))[-1]
            single = await count(http, log, f"{API}/tweets/{tweets[-1]['id']}", reader)
            plain = await count(http, log, f"{API}/tweets/{text_only[0]}", reader)
    finally:
        await counting.dispose()

    # The newest 5 tweets have no media: a page of 4 (the use case reads one more tweet, to
    # know whether there is a next page) reads none.
    assert counts == {
        ("/feed", 4): 1,
        ("/feed", 25): 2,
        ("/feed", 100): 2,
        ("/users/author/tweets", 4): 2,
        ("/users/author/tweets", 25): 3,
        ("/users/author/tweets", 100): 3,
    }
    assert re.search(r"FROM media\s+WHERE media.tweet_id IN", media_query), media_query
    assert (single, plain) == (2, 1)
