"""A page of notifications or bookmarks, and the unread count, cost the same few statements
whatever the page's size or how many notifications a user has. Counted where the driver
sees them, as test_statement_counts does."""

from __future__ import annotations

from pathlib import Path

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.app import make_app, serve
from tests.support.jobs import drain
from tests.support.statements import StatementLog, counting_engine, sent_by


async def count(http: httpx.AsyncClient, log: StatementLog, account: Account, url: str) -> int:
    await sent_by(http, log, url, headers=account.auth)  # warm: connections, prepared
    return len((await sent_by(http, log, url, headers=account.auth))[1])


async def test_notifications_and_bookmarks_pages_cost_the_same_at_any_size(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    ann, *fans = await insert_users(engine, "ann", *(f"fan{i}" for i in range(12)))
    tweets = []
    for i in range(3):
        response = await client.post(f"{API}/tweets", json={"text": f"t{i}"}, headers=ann.auth)
        tweets.append(response.json()["id"])
    for fan in fans:
        for path in ("/users/ann/follow", *(f"/tweets/{t}/like" for t in tweets)):
            assert (await client.post(f"{API}{path}", headers=fan.auth)).status_code in (200, 204)
        await client.post(f"{API}/tweets/{tweets[0]}/bookmark", headers=ann.auth)
    for tweet_id in tweets:
        await client.post(f"{API}/tweets/{tweet_id}/bookmark", headers=ann.auth)
    await drain(app)

    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            pages = {
                (path, limit): await count(http, log, ann, f"{API}{path}?limit={limit}")
                for path in ("/notifications", "/me/bookmarks")
                for limit in (2, 40)
            }
            unread = await count(http, log, ann, f"{API}/notifications/unread-count")
            follows_only = await count(http, log, ann, f"{API}/notifications?types=follow")
    finally:
        await counting.dispose()

    # Notifications: the page with actors and read flags; the tweets of likes (batched).
    # Bookmarks: the page with authors and viewer flags. Neither grows with the page.
    assert pages == {
        ("/notifications", 2): 2,
        ("/notifications", 40): 2,
        ("/me/bookmarks", 2): 1,
        ("/me/bookmarks", 40): 1,
    }
    assert follows_only == 1  # no tweet to read
    assert unread == 1
