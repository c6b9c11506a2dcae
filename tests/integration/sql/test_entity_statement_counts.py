"""Mentions and hashtags cost reads of tweet pages (the feed, a user's tweets, a tag's
tweets) at most one statement per page (the mentions, batched), and none when no tweet on the
page mentions anyone: the hashtags are on the tweet's row. A post writes them with as few
statements as it can (none for a tweet with neither). Counted where the driver sees them, as
test_statement_counts does."""

from __future__ import annotations

from pathlib import Path

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.app import make_app, serve
from tests.support.contract import assert_tweet
from tests.support.jobs import drain
from tests.support.statements import StatementLog, counting_engine, sent_by


async def statements(
    http: httpx.AsyncClient,
    log: StatementLog,
    account: Account,
    url: str,
    body: dict[str, str] | None = None,
) -> list[str]:
    return (await sent_by(http, log, url, headers=account.auth, body=body))[1]


async def count(http: httpx.AsyncClient, log: StatementLog, account: Account, url: str) -> int:
    await statements(http, log, account, url)  # warm: connections, prepared statements
    return len(await statements(http, log, account, url))


async def test_mentions_cost_a_page_one_statement_and_hashtags_none(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    author, reader, _bob = await insert_users(engine, "author", "reader", "bob")
    assert (await client.post(f"{API}/users/author/follow", headers=reader.auth)).status_code == 204
    for i in range(30):
        text = f"@bob @reader #t{i} #all" if i % 2 else f"#t{i} #all"
        posted = await client.post(f"{API}/tweets", json={"text": text}, headers=author.auth)
        assert posted.status_code == 201, posted.text
    plain = []
    for i in range(5):
        posted = await client.post(f"{API}/tweets", json={"text": f"p{i}"}, headers=author.auth)
        plain.append(posted.json()["id"])
    await drain(app)

    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            page = (await http.get(f"{API}/feed?limit=35", headers=reader.auth)).json()
            tweets = [assert_tweet(item) for item in page["items"]]
            assert sorted(len(t["mentions"]) for t in tweets) == [0] * 20 + [2] * 15
            assert all(t["hashtags"][-1:] == ["all"] for t in tweets[5:])
            counts = {
                (path, limit): await count(http, log, reader, f"{API}{path}?limit={limit}")
                for path in ("/feed", "/users/author/tweets")
                for limit in (4, 35)
            }
            tag_pages = [
                await count(http, log, reader, f"{API}/tags/{tag}/tweets?limit={limit}")
                for tag, limit in (("all", 4), ("all", 35), ("t28", 35))
            ]
            single = await count(http, log, reader, f"{API}/tweets/{tweets[5]['id']}")
            single_plain = await count(http, log, reader, f"{API}/tweets/{plain[0]}")

            tweets_url = f"{API}/tweets"
            for warm in ("warm", "#warm", "@bob #warm"):
                await statements(http, log, author, tweets_url, {"text": warm})
            written = {
                text: len(await statements(http, log, author, tweets_url, {"text": text}))
                for text in ("plain", "#tag", "@bob #tag", "@nobody")
            }
    finally:
        await counting.dispose()

    # The newest 5 tweets mention no one: a page of 4 (the use case reads one more, to know
    # whether there is a next page) reads no mentions.
    assert counts == {
        ("/feed", 4): 1,
        ("/feed", 35): 2,
        ("/users/author/tweets", 4): 2,
        ("/users/author/tweets", 35): 3,
    }
    assert (single, single_plain) == (2, 1)
    # A tag's page: its tweets, then their mentions (none on the page of #t28's one tweet).
    assert tag_pages == [2, 2, 1]
    # Hashtags: the tweet's summary and one multi-row insert, and the job that tallies them
    # for the trends (in the statement that queues the post's other job on PostgreSQL, one
    # more on SQLite); mentions: the lookup of the candidates and one multi-row insert; a
    # candidate naming no one: only the lookup.
    base = written["plain"]
    job = 1 if engine.dialect.name == "sqlite" else 0
    assert written == {
        "plain": base,
        "#tag": base + 2 + job,
        "@bob #tag": base + 4 + job,
        "@nobody": base + 1,
    }
