"""Who may call what, checked over the app's own route table.

Every (method, path) the app serves is either on the PUBLIC list below or answers 401 to an
anonymous caller; the admin routes answer 403 to a normal user; and no GET route shows a
normal user another user's email or anything named like a password. A route added later is
covered without editing this file, and an entry of the lists below that no longer matches a
route fails the first test, so the lists cannot rot.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine
from entrypoints.http.docs_pages import VENDOR_PATH
from tests.support.accounts import insert_users
from tests.support.api import API, PASSWORD, Account, assert_problem, assert_unauthorized, login
from tests.support.app import make_app, serve
from tests.support.image_samples import gif_bytes
from tests.support.jobs import drain
from tests.support.routes import Route, route_table
from tests.support.tokens import forge_access_token, token_claims
from tests.support.uploads import media_name

# What an anonymous caller may use (API.md), with the status a well-formed call gets.
PUBLIC: dict[Route, int] = {
    ("POST", f"{API}/auth/register"): 201,
    ("POST", f"{API}/auth/login"): 200,
    ("POST", f"{API}/auth/refresh"): 200,
    ("POST", f"{API}/auth/logout"): 204,
    ("GET", f"{API}/users/{{username:str}}"): 200,
    ("GET", f"{API}/users/{{username:str}}/tweets"): 200,
    ("GET", f"{API}/users/{{username:str}}/followers"): 200,
    ("GET", f"{API}/users/{{username:str}}/following"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}/likes"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}/replies"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}/context"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}/history"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}/reposts"): 200,
    ("GET", f"{API}/tweets/{{tweet_id:int}}/quotes"): 200,
    ("GET", f"{API}/tags/{{tag:str}}/tweets"): 200,
    ("GET", f"{API}/tags/trending"): 200,
    ("GET", f"{API}/search/tweets"): 200,
    ("GET", f"{API}/search/users"): 200,
    ("GET", "/health"): 200,
    ("GET", "/health/ready"): 200,
    ("GET", "/media/{name:str}"): 200,
    ("HEAD", "/media/{name:str}"): 200,
    ("GET", "/schema"): 200,
    ("GET", "/schema/openapi.json"): 200,
    ("GET", "/schema/swagger"): 200,
    ("GET", "/schema/redoc"): 200,
    ("GET", "/schema/oauth2-redirect.html"): 200,
    # Litestar's page for any other /schema/... path: "not found", whoever asks.
    ("GET", "/schema/{path:str}"): 404,
    # What the docs pages load: Swagger UI's and ReDoc's files, and our start-up scripts.
    ("GET", f"{VENDOR_PATH}/{{file_path:path}}"): 200,
    ("HEAD", f"{VENDOR_PATH}/{{file_path:path}}"): 200,
    ("GET", "/schema/assets/chirp/{script:str}"): 200,
    # Without CHIRP_METRICS_TOKEN, to loopback peers such as this test's client (the rest of
    # its rule: tests/integration/api/metrics).
    ("GET", "/metrics"): 200,
}

# Public routes that look at no token at all; on the other public ones signing in is
# optional, and a bad token is refused there too (API.md).
IGNORE_TOKENS: frozenset[Route] = frozenset(
    route
    for route in PUBLIC
    if route[1].startswith(f"{API}/auth/") or not route[1].startswith(f"{API}/")
)

ADMIN: frozenset[Route] = frozenset(
    {
        ("GET", f"{API}/users"),
        ("PATCH", f"{API}/users/{{username:str}}"),
        ("GET", f"{API}/admin/settings"),
        ("PATCH", f"{API}/admin/settings"),
    }
)

# Where the routes may live; a route elsewhere fails the first test (and needs a look).
PREFIXES = (f"{API}/", "/health", "/media/", "/schema", "/metrics")

# Keys that must never appear in a response body (the OpenAPI document is exempt: it
# describes the request bodies that carry passwords).
SECRET_KEYS = frozenset({"password", "password_hash", "current_password"})
DOCS = "/schema"

BODIES: dict[Route, dict[str, Any]] = {
    ("POST", f"{API}/auth/register"): {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password": PASSWORD,
    },
    ("POST", f"{API}/auth/login"): {"username": "other", "password": PASSWORD},
    ("PATCH", f"{API}/me"): {"bio": "changed"},
    ("PUT", f"{API}/me"): {"bio": "changed"},
    ("PATCH", f"{API}/users/{{username:str}}"): {"is_admin": True},
    ("PATCH", f"{API}/admin/settings"): {"refresh_reuse_grace_seconds": 0},
    ("POST", f"{API}/tweets"): {"text": "hello"},
    ("PATCH", f"{API}/tweets/{{tweet_id:int}}"): {"text": "edited"},
    ("PATCH", f"{API}/media/{{media_id:str}}"): {"alt": "changed"},
}

# The query parameters a well-formed call needs.
QUERIES: dict[Route, dict[str, str]] = {
    ("GET", f"{API}/search/tweets"): {"q": "hi"},
    ("GET", f"{API}/search/users"): {"q": "oth"},
    ("GET", f"{API}/users/relationships"): {"usernames": "other"},
}

PARAMETER = re.compile(r"\{(\w+):\w+\}")


@dataclass
class World:
    """A normal user (``normal``) and another user (``other``) with a profile worth
    leaking: a tweet, an avatar, likes, follows in both directions and a recent login."""

    app: Litestar
    client: httpx.AsyncClient
    normal: Account
    other: Account
    tweet_id: int
    media: str
    refresh_tokens: list[str]  # the other user's, one per session
    upload_id: str  # the other user's upload (POST /media)

    def url(self, path: str, *, username: str | None = None) -> str:
        values = {
            "username": username or self.other.username,
            "tweet_id": str(self.tweet_id),
            "name": self.media,
            "media_id": self.upload_id,
            "tag": "chirp",
            "path": "no-such-page",
            "file_path": "swagger-ui-dist/swagger-ui.css",
            "script": "swagger-init.js",
        }
        return PARAMETER.sub(lambda match: values[match.group(1)], path)

    async def call(
        self, method: str, path: str, *, who: Account | None, username: str | None = None
    ) -> httpx.Response:
        """A well-formed request (so only who is asking can make it fail)."""
        headers = {} if who is None else who.auth
        request: dict[str, Any] = {}
        if (method, path) == ("PUT", f"{API}/me/avatar"):
            request["files"] = {"image": ("a.gif", gif_bytes(), "image/gif")}
        elif (method, path) == ("POST", f"{API}/media"):
            request["files"] = {"file": ("a.gif", gif_bytes(), "image/gif")}
        elif path in (f"{API}/auth/refresh", f"{API}/auth/logout"):
            request["json"] = {"refresh_token": self.refresh_tokens.pop()}
        elif (method, path) in BODIES:
            request["json"] = BODIES[method, path]
        if (method, path) in QUERIES:
            request["params"] = QUERIES[method, path]
        return await self.client.request(
            method, self.url(path, username=username), headers=headers, **request
        )


async def ok(response: Any) -> httpx.Response:
    result: httpx.Response = await response
    assert result.status_code in (200, 201, 204), result.text
    return result


@pytest.fixture
async def world(engine: AsyncEngine, media_dir: Path) -> AsyncIterator[World]:
    app = make_app(engine, media_dir=media_dir)
    async with serve(app) as client:
        normal, other = await insert_users(engine, "normal", "other")
        avatar = await ok(
            client.put(
                f"{API}/me/avatar",
                files={"image": ("a.gif", gif_bytes(), "image/gif")},
                headers=other.auth,
            )
        )
        tweet = await ok(client.post(f"{API}/tweets", json={"text": "hi"}, headers=other.auth))
        tweet_id = tweet.json()["id"]
        await ok(client.post(f"{API}/tweets/{tweet_id}/like", headers=other.auth))
        await ok(client.post(f"{API}/tweets/{tweet_id}/like", headers=normal.auth))
        await ok(client.post(f"{API}/users/normal/follow", headers=other.auth))
        await ok(client.post(f"{API}/users/other/follow", headers=normal.auth))
        upload = await ok(
            client.post(
                f"{API}/media",
                files={"file": ("a.gif", gif_bytes(), "image/gif")},
                headers=other.auth,
            )
        )
        logged_in = await ok(login(client, username="other"))  # shows up in /users/active
        yield World(
            app,
            client,
            normal,
            other,
            tweet_id,
            media_name(avatar.json()["avatar_url"]),
            [logged_in.json()["refresh_token"]],
            upload.json()["id"],
        )


async def test_the_route_table_is_found_and_the_lists_name_real_routes() -> None:
    engine = create_engine("sqlite+aiosqlite://")  # never connected: only the routes matter
    app = make_app(engine)
    try:
        routes = route_table(app)
    finally:
        await app.state.dishka_container.close()
        await engine.dispose()

    assert len(routes) >= 30, routes
    assert set(PUBLIC) <= routes, set(PUBLIC) - routes
    assert routes >= ADMIN, ADMIN - routes
    assert not ADMIN & set(PUBLIC)
    assert {path for _, path in routes if not path.startswith(PREFIXES)} == set()
    assert {name for _, path in routes for name in PARAMETER.findall(path)} <= {
        "username",
        "tweet_id",
        "media_id",
        "tag",
        "name",
        "path",
        "file_path",
        "script",
    }


async def test_every_route_not_on_the_public_list_needs_a_token(world: World) -> None:
    private = sorted(route_table(world.app) - set(PUBLIC))
    assert private

    answered_otherwise = []
    for method, path in private:
        response = await world.call(method, path, who=None)
        if response.status_code != 401:
            answered_otherwise.append((method, path, response.status_code, response.text))
            continue
        assert_unauthorized(response)
    assert answered_otherwise == []


async def test_the_token_is_checked_before_the_body_and_query(world: World) -> None:
    """Without a token, a malformed request still hears 401, not what is wrong with it."""
    private = sorted(route_table(world.app) - set(PUBLIC))
    answered_otherwise = []
    for method, path in private:
        response = await world.client.request(
            method,
            world.url(path) + "?limit=0&cursor=not-a-cursor",
            content=b'{"is_admin": true, "unknown": ',
            headers={"content-type": "application/json"},
        )
        if response.status_code != 401:
            answered_otherwise.append((method, path, response.status_code))
            continue
        assert_unauthorized(response)
    assert answered_otherwise == []


async def test_every_route_that_reads_a_token_refuses_a_forged_one(world: World) -> None:
    claims = token_claims(world.normal.tokens["access_token"])
    forged = Account(
        "normal", "", "", {}, {"access_token": forge_access_token(claims, secret=b"x" * 40)}
    )
    reading = sorted(route_table(world.app) - IGNORE_TOKENS)
    assert set(PUBLIC) - IGNORE_TOKENS  # the optional-token routes are among them

    answered_otherwise = []
    for method, path in reading:
        response = await world.call(method, path, who=forged)
        if response.status_code != 401:
            answered_otherwise.append((method, path, response.status_code, response.text))
            continue
        assert_unauthorized(response, "invalid_token")
    assert answered_otherwise == []


async def test_every_public_route_answers_an_anonymous_caller(world: World) -> None:
    # A second session, so that /auth/refresh and /auth/logout each have a token of their own.
    world.refresh_tokens.append(
        (await ok(login(world.client, username="other"))).json()["refresh_token"]
    )
    answers = {}
    for method, path in PUBLIC:
        response = await world.call(method, path, who=None)
        answers[method, path] = response.status_code
    assert answers == PUBLIC


async def test_options_answers_only_which_methods_exist(world: World) -> None:
    for route in world.app.routes:
        assert isinstance(route, HTTPRoute)
        response = await world.client.options(world.url(route.path))

        assert response.status_code == 204, (route.path, response.text)
        assert response.content == b""
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        assert allowed == set(route.methods)


async def test_every_admin_route_refuses_a_normal_user(world: World) -> None:
    for method, path in sorted(ADMIN):
        # PATCH /users/{username} is the user trying to make itself an administrator.
        response = await world.call(method, path, who=world.normal, username="normal")

        assert_problem(response, 403, "admin_required")
    me = await world.client.get(f"{API}/me", headers=world.normal.auth)
    assert me.json()["is_admin"] is False


def keys_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_in(item)


async def test_no_get_route_shows_a_normal_user_another_users_email_or_a_password(
    world: World,
) -> None:
    gets = sorted(route for route in route_table(world.app) if route[0] == "GET")
    assert len(gets) >= 15, gets

    statuses = {}
    for method, path in gets:
        response = await world.call(method, path, who=world.normal)
        statuses[method, path] = response.status_code

        assert world.other.email.encode() not in response.content, (path, response.text)
        if response.headers.get("content-type", "").split(";")[0].endswith("json") and not (
            path.startswith(DOCS)
        ):
            assert not SECRET_KEYS & set(keys_in(response.json())), (path, response.text)
    # Each GET really answered (a 404 from a bad parameter would make the check vacuous).
    expected = {route: 403 if route in ADMIN else PUBLIC.get(route, 200) for route in statuses}
    assert statuses == expected
    # The other user's data was there to leak.
    await drain(world.app)
    profile = await world.call("GET", f"{API}/users/{{username:str}}", who=world.normal)
    assert profile.json()["tweets_count"] == 1
    assert profile.json()["avatar_url"] is not None
    active = await world.call("GET", f"{API}/users/active", who=world.normal)
    assert world.other.username in {entry["username"] for entry in active.json()}
