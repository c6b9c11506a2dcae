"""No N+1 queries (issue 4): the SQL statements the server sends per request, counted where the
database driver sees them, are a small constant that does not grow with the page size."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.app import make_app, serve
from tests.support.contract import assert_tweet
from tests.support.jobs import drain
from tests.support.statements import NOT_COUNTED, StatementLog, counting_engine

AUTHORS = 50
PAGE_SIZES = (1, 50)


# Transaction control is not a query; the settings and the recent deactivations (which
# token checks read) go through caches that reload them every few seconds of real time,
# whatever the request.
@dataclass
class Counted:
    """The app on a counting engine, and the data every listing below pages through."""

    http: httpx.AsyncClient
    log: StatementLog
    viewer: Account
    admin: Account
    liked_tweet: int

    async def statements(self, url: str, headers: dict[str, str] | None) -> list[str]:
        """The statements one request sent, BEGIN and the like left out."""
        # asyncpg hands its log records to the event loop (call_soon): yielding once to the
        # loop delivers every record of what has already run.
        await asyncio.sleep(0)
        self.log.statements.clear()
        response = await self.http.get(url, headers=headers)
        assert response.status_code == 200, response.text
        await asyncio.sleep(0)
        # A read runs on the read connections, outside any transaction.
        began = [sql for sql in self.log.statements if re.match(r"\s*BEGIN\b", sql, re.I)]
        assert not began, (url, began)
        return [sql for sql in self.log.statements if not NOT_COUNTED.match(sql)]

    async def count(self, url: str, headers: dict[str, str] | None = None) -> int:
        await self.statements(url, headers)  # warm: connections, prepared statements, types
        return len(await self.statements(url, headers))


async def setup_data(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> tuple[Account, int]:
    """A viewer who follows 50 authors, is followed by them and likes every tweet; author
    a00 has 51 tweets, each other author one; a00's first tweet is liked by everyone."""
    authors = await insert_users(engine, *(f"a{i:02}" for i in range(AUTHORS)))
    (viewer,) = await insert_users(engine, "viewer")

    async def ok(request: Awaitable[httpx.Response], status: int) -> httpx.Response:
        response = await request
        assert response.status_code == status, response.text
        return response

    tweets = []
    for i, author in enumerate([authors[0]] * AUTHORS + authors):
        posted = await ok(
            client.post(f"{API}/tweets", json={"text": f"t{i}"}, headers=author.auth), 201
        )
        tweets.append(posted.json()["id"])
    for author in authors:
        await ok(client.post(f"{API}/users/{author.username}/follow", headers=viewer.auth), 204)
        await ok(client.post(f"{API}/users/viewer/follow", headers=author.auth), 204)
        await ok(client.post(f"{API}/tweets/{tweets[0]}/like", headers=author.auth), 200)
    for tweet in tweets:
        await ok(client.post(f"{API}/tweets/{tweet}/like", headers=viewer.auth), 200)
    await drain(app)
    return viewer, tweets[0]


@pytest.fixture
async def counted(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[Counted]:
    viewer, liked_tweet = await setup_data(app, client, engine)
    (admin,) = await insert_users(engine, "admin", admin=True)
    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            yield Counted(http, log, viewer, admin, liked_tweet)
    finally:
        await counting.dispose()


PAGED = {
    # path: statements per page, whatever its size (and why)
    "/feed": 1,  # the page: timeline range, tweets, authors, liked_by_me in one SELECT
    "/users/a00/tweets": 2,  # the author by username; the page with authors and liked_by_me
    "/users/viewer/followers": 2,  # the user by username; the page joined with the followers
    "/tweets/{liked}/likes": 2,  # the tweet exists; the page joined with the likers
    "/users": 2,  # the caller is an admin (checked in the database); the page
}
SINGLE = {
    "/me": 1,  # the account
    "/users/a07": 2,  # the user by username; the profile with counts and followed_by_me
}


async def test_statements_per_request_are_few_and_do_not_grow_with_the_page(
    counted: Counted,
) -> None:
    # The log sees each statement once: the likers of a tweet read whether the tweet
    # exists, then the page.
    likes = f"{API}/tweets/{counted.liked_tweet}/likes?limit=5"
    await counted.statements(likes, None)
    tweet_lookup, likers_page = await counted.statements(likes, None)
    assert re.search(r"FROM tweets\s+WHERE tweets.id = ", tweet_lookup), tweet_lookup
    assert re.search(r"FROM likes JOIN users", likers_page), likers_page

    # The data varies where an N+1 would hide: 50 authors, each tweet liked by the viewer.
    page = await counted.http.get(f"{API}/feed?limit=50", headers=counted.viewer.auth)
    tweets = [assert_tweet(item) for item in page.json()["items"]]
    assert len({tweet["author"]["id"] for tweet in tweets}) == AUTHORS
    assert all(tweet["liked_by_me"] is True for tweet in tweets)

    paged = {}
    for path in PAGED:
        url = API + path.format(liked=counted.liked_tweet)
        headers = counted.admin.auth if path == "/users" else counted.viewer.auth
        paged[path] = []
        for limit in PAGE_SIZES:
            response = await counted.http.get(url, params={"limit": limit}, headers=headers)
            assert len(response.json()["items"]) == limit, response.text
            paged[path].append(await counted.count(f"{url}?limit={limit}", headers))
    assert paged == {path: [count] * len(PAGE_SIZES) for path, count in PAGED.items()}

    single = {path: await counted.count(API + path, counted.viewer.auth) for path in SINGLE}
    assert single == SINGLE
    # Anonymous: the same statements, with liked_by_me NULL.
    assert await counted.count(f"{API}/users/a00/tweets?limit=50") == PAGED["/users/a00/tweets"]
