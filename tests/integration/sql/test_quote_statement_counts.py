"""Quotes cost a page of tweets (one tweet, a user's tweets, the feed, a tweet's quotes) at
most one statement more: the quoted tweets not on the page, in one statement, and none when
nothing on the page quotes such a tweet. Their mentions (and media) are read in the page's
own statements. Counted where the driver sees them, as test_statement_counts does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.app import make_app, serve
from tests.support.contract import assert_tweet
from tests.support.jobs import drain
from tests.support.statements import StatementLog, counting_engine, sent_by


async def post(client: httpx.AsyncClient, author: Account, body: dict[str, Any]) -> int:
    response = await client.post(f"{API}/tweets", json=body, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def statements(
    http: httpx.AsyncClient,
    log: StatementLog,
    account: Account,
    url: str,
    body: dict[str, Any] | None = None,
) -> list[str]:
    return (await sent_by(http, log, url, headers=account.auth, body=body))[1]


async def count(http: httpx.AsyncClient, log: StatementLog, account: Account, url: str) -> int:
    await statements(http, log, account, url)  # warm: connections, prepared statements
    return len(await statements(http, log, account, url))


async def test_quoted_tweets_cost_a_page_one_statement_and_none_without_quotes(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    author, reader, bob, carol = await insert_users(engine, "author", "reader", "bob", "carol")
    assert (await client.post(f"{API}/users/author/follow", headers=reader.auth)).status_code == 204
    # Bob's tweets mention someone: their mentions are read with the page's.
    originals = [await post(client, bob, {"text": f"@reader original {i}"}) for i in range(3)]
    for i in range(10):
        await post(client, author, {"text": f"p{i}"})
    quotes = [
        await post(client, author, {"text": f"q{i}", "quoted_tweet_id": originals[i % 3]})
        for i in range(10)
    ]
    plain = [await post(client, author, {"text": f"n{i}"}) for i in range(5)]
    # Carol quotes her own tweet, which is on the same page.
    own = await post(client, carol, {"text": "c0"})
    await post(client, carol, {"text": "c1", "quoted_tweet_id": own})
    await drain(app)

    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            page = (await http.get(f"{API}/feed?limit=35", headers=reader.auth)).json()
            tweets = [assert_tweet(item) for item in page["items"]]
            assert [t["quoted_tweet"]["id"] for t in tweets if t["quoted_tweet"]] == [
                originals[i % 3] for i in reversed(range(10))
            ]
            assert all(len(t["quoted_tweet"]["mentions"]) == 1 for t in tweets[5:15])
            counts = {
                (path, limit): await count(http, log, reader, f"{API}{path}?limit={limit}")
                for path in ("/feed", "/users/author/tweets", f"/tweets/{originals[0]}/quotes")
                for limit in (4, 35)
            }
            carol_page = await count(http, log, reader, f"{API}/users/carol/tweets")
            single = await count(http, log, reader, f"{API}/tweets/{quotes[0]}")
            single_plain = await count(http, log, reader, f"{API}/tweets/{plain[0]}")

            tweets_url = f"{API}/tweets"
            for warm in ({"text": "warm"}, {"text": "warm", "quoted_tweet_id": plain[0]}):
                await statements(http, log, author, tweets_url, warm)
            written = {
                name: len(await statements(http, log, author, tweets_url, body))
                for name, body in (
                    ("plain", {"text": "plain"}),
                    ("quote", {"text": "quote", "quoted_tweet_id": plain[0]}),
                    ("quote of a mention", {"text": "quote", "quoted_tweet_id": originals[0]}),
                )
            }
    finally:
        await counting.dispose()

    # The newest 5 of the author's tweets quote nothing: a page of 4 (the use case reads one
    # more) costs what it did before quotes. A page of 35 holds the quotes: one statement
    # for the quoted tweets, one for the mentions of the page's and the quoted tweets.
    assert counts == {
        ("/feed", 4): 1,
        ("/feed", 35): 3,
        ("/users/author/tweets", 4): 2,
        ("/users/author/tweets", 35): 4,
        (f"/tweets/{originals[0]}/quotes", 4): 4,
        (f"/tweets/{originals[0]}/quotes", 35): 4,
    }
    # The quoted tweet on the page already: nothing more.
    assert carol_page == 2
    assert (single, single_plain) == (3, 1)
    # A quote: the original looked up, its count change recorded and its count read (with
    # this quote), and after the commit the original read as its author sees it (with its
    # mentions when it has some). Quoting another's tweet also reads whether a block
    # separates the two authors.
    assert written == {
        "plain": written["plain"],
        "quote": written["plain"] + 4,
        "quote of a mention": written["plain"] + 6,
    }
