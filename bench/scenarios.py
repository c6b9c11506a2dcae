"""The load's scenarios: one wrk script per endpoint, with the tokens, cursors and data files
they read, made over HTTP and from the database before any load runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from application.pagination import encode_cursor
from bench import database_reads, dataset
from bench.dataset import BIG_ACCOUNT_ID, PAGE_SIZE, PASSWORD, Cohorts
from bench.deployment import ADMIN, Deployment
from bench.processes import expect, log
from bench.processes import request_json as http
from bench.write_accounts import ACCOUNTS

ACCESS_TTL = 86_400
# The load writes far more than the 1,000 writes per user and hour a user may make.
UNLIMITED_WRITES = 0
# A post by the celebrity may take seconds while its 100,000 entries are written in the request.
CELEBRITY_TIMEOUT_SECONDS = 60
SETTINGS_CACHE_SECONDS = 2.5  # every worker re-reads the settings within 2 s
LOGIN_THREADS = 4
# Refresh tokens are used up by rotation: each wrk run gets a fresh pool this much larger
# than the connection count.
REFRESH_SPARE = 32


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    url: str
    script: str
    args: list[str]
    warmup_args: list[str] | None = None
    writes: bool = False  # then the derived work is waited for after the load
    probe: bool = False  # the feed freshness probe runs beside the load
    timeout_seconds: int | None = None  # wrk's, when not the plan's
    warmup: bool = True  # False: the timed run only


@dataclass(frozen=True, slots=True)
class WriteTokens:
    """Who the write scenarios' probes act as (access tokens)."""

    admin: str
    probe_author: str  # the small account, followed by the probe reader
    probe_reader: str
    celebrity: str
    celebrity_id: int


@dataclass(frozen=True, slots=True)
class Scenarios:
    all: list[Scenario]  # in the order they run
    page50_readers: str  # whose feeds page 50 reads, in words
    writes: WriteTokens


class Tokens:
    """Logs users in over HTTP, a few at a time."""

    def __init__(self, base_url: str) -> None:
        self._url = base_url + "/api/v1/auth/login"

    def login(self, name: str, password: str = PASSWORD) -> dict[str, Any]:
        status, body = http("POST", self._url, {"username": name, "password": password})
        pair: dict[str, Any] = expect(status, body, 200, f"login of {name}")
        return pair

    def many(self, user_ids: Sequence[int]) -> list[dict[str, Any]]:
        with ThreadPoolExecutor(LOGIN_THREADS) as pool:
            return list(pool.map(self.login, [dataset.username(i) for i in user_ids]))


@dataclass(frozen=True, slots=True)
class _Credentials:
    readers: list[dict[str, Any]]  # token pairs of the page-1 readers
    writes: WriteTokens
    big_followers: list[dict[str, Any]]
    page50: list[tuple[str, str]]  # access token, cursor of page 50
    refresh: list[str]  # refresh tokens for two runs (warm-up, timed)


def prepare(deployment: Deployment) -> Scenarios:
    """Day-long tokens, page-50 cursors and the data files of the Lua scripts."""
    size = deployment.plan.size
    cohorts = dataset.cohorts(size)
    refresh_pool = deployment.plan.wrk.connections + REFRESH_SPARE
    with deployment.phases.timed("tokens"):
        credentials, deep_ids = _credentials(deployment, cohorts, refresh_pool)
    log(f"tokens ready in {deployment.phases.seconds['tokens']:.1f} s")
    _check_page50(deployment.app.url, *credentials.page50[0])
    short = len(cohorts.deep_readers) - len(deep_ids)
    page50_readers = (
        f"{len(deep_ids)} of the page-1 readers"
        if not size.deep_followees
        else f"{len(deep_ids)} other readers, following {size.deep_followees} accounts "
        f"each (the page-1 readers' feeds are shorter than {dataset.DEEP_PAGE} pages)"
    ) + (f"; {short} left out, their feeds being shorter" if short else "")
    return Scenarios(
        _scenarios(deployment, credentials, deployment.workdir / "data-files"),
        page50_readers,
        credentials.writes,
    )


def _credentials(
    deployment: Deployment, cohorts: Cohorts, refresh_pool: int
) -> tuple[_Credentials, list[int]]:
    """Tokens of the cohorts (access tokens live a day), and the deep readers whose feeds
    reach page 50."""
    tokens = Tokens(deployment.app.url)
    admin = _set_up_for_the_load(deployment.app.url, tokens)
    readers = tokens.many(cohorts.readers)
    if readers[0]["expires_in"] != ACCESS_TTL:
        raise RuntimeError(f"access tokens live {readers[0]['expires_in']} s, not a day")
    big = tokens.many(cohorts.big_followers)
    keys = asyncio.run(database_reads.page_cursors(deployment.url, cohorts.deep_readers))
    deep_ids = [user for user in cohorts.deep_readers if user in keys]
    if not deep_ids:
        raise RuntimeError(f"no reader's feed reaches page {dataset.DEEP_PAGE}")
    pairs = dict(zip(cohorts.readers, readers, strict=True))
    missing = [user for user in deep_ids if user not in pairs]
    pairs |= dict(zip(missing, tokens.many(missing), strict=True))
    page50 = [(pairs[user]["access_token"], encode_cursor(keys[user])) for user in deep_ids]
    users = [cohorts.readers[i % len(cohorts.readers)] for i in range(2 * refresh_pool)]
    refresh = [pair["refresh_token"] for pair in tokens.many(users)]
    probe_author, probe_reader, celebrity = (
        tokens.login(name)["access_token"]
        for name in (ACCOUNTS.small, ACCOUNTS.probe_reader, ACCOUNTS.celebrity)
    )
    celebrity_id = int(
        asyncio.run(
            database_reads.fetchval(
                deployment.url,
                "SELECT id FROM users WHERE username_canonical = $1",
                ACCOUNTS.celebrity,
            )
        )
    )
    writes = WriteTokens(admin, probe_author, probe_reader, celebrity, celebrity_id)
    return _Credentials(readers, writes, big, page50, refresh), deep_ids


def _set_up_for_the_load(app_url: str, tokens: Tokens) -> str:
    """Access tokens that live a day, and no limit on writes; returns the admin's token."""
    admin: str = tokens.login(ADMIN[0], ADMIN[2])["access_token"]
    status, body = http(
        "PATCH",
        app_url + "/api/v1/admin/settings",
        {"access_token_ttl_seconds": ACCESS_TTL, "writes_per_user_per_hour": UNLIMITED_WRITES},
        token=admin,
    )
    expect(status, body, 200, "PATCH /admin/settings")
    time.sleep(SETTINGS_CACHE_SECONDS)
    # The token above lives the old 30 s; the load's probes change settings much later.
    day_long: str = tokens.login(ADMIN[0], ADMIN[2])["access_token"]
    return day_long


def _check_page50(app_url: str, token: str, cursor: str) -> None:
    """The SQL-computed cursor must be the one a client gets by paging, to a full page."""
    walked = _walk_to_page(app_url, token, dataset.DEEP_PAGE)
    if walked != cursor:
        raise RuntimeError(f"page 50 cursor: SQL gives {cursor}, paging {walked}")
    status, body = http("GET", f"{app_url}/api/v1/feed?cursor={walked}", token=token)
    if len(expect(status, body, 200, "feed page 50")["items"]) != PAGE_SIZE:
        raise RuntimeError("feed page 50 is not a full page")


def _walk_to_page(base_url: str, token: str, page: int) -> str | None:
    """The cursor of page ``page``, by following ``next_cursor`` from page 1 (limit 20)."""
    cursor: str | None = None
    for number in range(1, page):
        query = f"?limit={PAGE_SIZE}" + (f"&cursor={cursor}" if cursor else "")
        status, body = http("GET", f"{base_url}/api/v1/feed{query}", token=token)
        cursor = expect(status, body, 200, f"feed page {number}")["next_cursor"]
        if cursor is None:
            return None
    return cursor


def _write_rows(path: Path, rows: Sequence[Sequence[object]]) -> str:
    path.write_text("".join("\t".join(str(field) for field in row) + "\n" for row in rows))
    return str(path)


def _scenarios(deployment: Deployment, credentials: _Credentials, files: Path) -> list[Scenario]:
    size = deployment.plan.size
    files.mkdir()
    readers = _write_rows(files / "readers.tsv", [[p["access_token"]] for p in credentials.readers])
    page50 = _write_rows(files / "page50.tsv", credentials.page50)
    big = _write_rows(files / "big.tsv", [[p["access_token"]] for p in credentials.big_followers])
    names = [[dataset.username(i)] for i in range(1, size.users + 1)]
    usernames = _write_rows(files / "usernames.tsv", names)
    half = len(credentials.refresh) // 2
    refresh_warm = _write_rows(files / "refresh-1.tsv", [[t] for t in credentials.refresh[:half]])
    refresh_timed = _write_rows(files / "refresh-2.tsv", [[t] for t in credentials.refresh[half:]])
    app = deployment.app.url
    one_author = _write_rows(files / "one-author.tsv", [[credentials.readers[0]["access_token"]]])
    small = _write_rows(files / "small.tsv", [[credentials.writes.probe_author]])
    celebrity = _write_rows(files / "celebrity.tsv", [[credentials.writes.celebrity]])
    like_path = f"/api/v1/tweets/{size.tweets}/like"
    follow_path = f"/api/v1/users/{dataset.username(BIG_ACCOUNT_ID)}/follow"
    hello_url = deployment.hello_url
    hello = [] if hello_url is None else [Scenario("hello", hello_url + "/hello", "hello.lua", [])]
    return [
        *hello,
        Scenario("me", app, "me.lua", [readers]),
        Scenario("feed_page1", app, "feed.lua", [readers]),
        Scenario("feed_page50", app, "feed.lua", [page50]),
        Scenario("feed_big_follower", app, "feed.lua", [big]),
        Scenario("user_tweets", app, "user_tweets.lua", [readers, usernames]),
        Scenario("post_tweet", app, "post_tweet.lua", [readers]),
        Scenario("like", app, "like.lua", [readers, str(size.tweets)]),
        Scenario("login", app, "login.lua", [usernames, PASSWORD]),
        Scenario("refresh", app, "refresh.lua", [refresh_timed], [refresh_warm]),
        # The write scenarios last: they change what the reads above would read.
        Scenario("write_one_author", app, "post_as.lua", [one_author], writes=True),
        Scenario("write_many_authors", app, "post_as.lua", [readers], writes=True, probe=True),
        Scenario("write_like_unlike", app, "toggle.lua", [readers, like_path], writes=True),
        Scenario("write_follow_unfollow", app, "toggle.lua", [readers, follow_path], writes=True),
        # The same load for both authors, with no warm-up: before the write path moved to
        # workers, each of a celebrity's posts wrote 100,000 rows in the request, and the
        # posts of a warm-up went on in the server long after wrk had gone.
        Scenario("write_small_author", app, "post_as.lua", [small], writes=True, warmup=False),
        Scenario(
            "write_celebrity",
            app,
            "post_as.lua",
            [celebrity],
            writes=True,
            timeout_seconds=CELEBRITY_TIMEOUT_SECONDS,
            warmup=False,
        ),
    ]
