"""Object-level authorization: every mutating route, called by the owner of the data, by
another user, anonymously and by an administrator. Each call gets its expected status, and
afterwards the victim's data shows exactly the changes that caller was allowed to make."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, assert_unauthorized
from tests.support.image_samples import gif_bytes, png_bytes
from tests.support.jobs import settle
from tests.support.uploads import media_files

CALLERS = ["owner", "other", "anonymous", "admin"]


@dataclass
class World:
    victim: Account
    other: Account
    bystander: Account
    admin: Account
    tweet_id: int  # the victim's tweet, with an image, liked by the victim and the bystander

    def caller(self, name: str) -> Account | None:
        return {
            "owner": self.victim,
            "other": self.other,
            "anonymous": None,
            "admin": self.admin,
        }[name]


async def build_world(client: httpx.AsyncClient, engine: AsyncEngine) -> World:
    victim, other, bystander = await insert_users(engine, "victim", "other", "bystander")
    (admin,) = await insert_users(engine, "admin", admin=True)
    avatar = await client.put(
        f"{API}/me/avatar",
        files={"image": ("a.gif", gif_bytes(), "image/gif")},
        headers=victim.auth,
    )
    assert avatar.status_code == 200, avatar.text
    created = await client.post(
        f"{API}/tweets",
        files={"text": (None, "original"), "image": ("t.png", png_bytes(), "image/png")},
        headers=victim.auth,
    )
    assert created.status_code == 201, created.text
    tweet_id = created.json()["id"]
    for request in (
        client.post(f"{API}/tweets/{tweet_id}/like", headers=victim.auth),
        client.post(f"{API}/tweets/{tweet_id}/like", headers=bystander.auth),
        client.post(f"{API}/users/bystander/follow", headers=victim.auth),
        client.post(f"{API}/users/victim/follow", headers=bystander.auth),
    ):
        assert (await request).status_code in (200, 204)
    return World(victim, other, bystander, admin, tweet_id)


async def snapshot(
    engine: AsyncEngine, media_dir: Path, world: World, caller: Account | None
) -> dict[str, Any]:
    """The victim's data, leaving out rows that belong to the caller (its own likes and
    follows are the caller's to make)."""
    victim = world.victim.user["id"]
    caller_id = caller.user["id"] if caller is not None else -1
    values = {"victim": victim, "caller": caller_id, "tweet": world.tweet_id}

    await settle(engine)  # derived counts are folded by the workers
    async with engine.connect() as connection:

        async def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in await connection.execute(text(sql), values)]

        (user,) = await rows(
            "SELECT username, email, first_name, last_name, bio, is_admin, password_hash,"
            " avatar, is_active, following_count, tweets_count, followers_count"
            " FROM users WHERE id = :victim"
        )
        tweets = await rows(
            "SELECT id, text, image, edited_at IS NOT NULL, like_count FROM tweets"
            " WHERE author_id = :victim ORDER BY id"
        )
        state = {
            "profile": user[:7],
            "avatar": user[7],
            "access": (
                user[8],
                await rows(
                    "SELECT COUNT(*) FROM sessions WHERE user_id = :victim"
                    " AND revoked_at IS NOT NULL"
                ),
            ),
            "counts": user[9:11],
            "tweets": [row[:4] for row in tweets],
            "likes": await rows(
                "SELECT tweet_id FROM likes WHERE user_id = :victim ORDER BY tweet_id"
            ),
            "following": await rows(
                "SELECT followee_id FROM follows WHERE follower_id = :victim ORDER BY 1"
            ),
            "followers": await rows(
                "SELECT follower_id FROM follows WHERE followee_id = :victim"
                " AND follower_id <> :caller ORDER BY 1"
            ),
            "likers": await rows(
                "SELECT user_id FROM likes WHERE tweet_id = :tweet AND user_id <> :caller"
                " ORDER BY 1"
            ),
        }
        # Derived counts always agree with the rows they count.
        (followers,) = await rows("SELECT COUNT(*) FROM follows WHERE followee_id = :victim")
        assert user[11] == followers[0]
        for like_count, likes in await rows(
            "SELECT like_count, (SELECT COUNT(*) FROM likes WHERE tweet_id = tweets.id) FROM tweets"
        ):
            assert like_count == likes
        # Every stored file is in use, and every file in use is stored.
        used = {name for (name,) in await rows("SELECT avatar FROM users") if name}
        used |= {name for (name,) in await rows("SELECT image FROM tweets") if name}
    assert media_files(media_dir) == used
    mine = {name for name in (state["avatar"], *(t[2] for t in state["tweets"])) if name}
    state["files"] = sorted(mine)
    return state


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[World], str]
    body: Callable[[], dict[str, Any]]
    # caller -> (status, code, what of the victim's data changes)
    outcomes: dict[str, tuple[int, str | None, frozenset[str]]]


def json_body(value: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: {"json": value}


def no_body() -> dict[str, Any]:
    return {}


def an_avatar() -> dict[str, Any]:
    return {"files": {"image": ("new.png", png_bytes(16, 16), "image/png")}}


NONE: frozenset[str] = frozenset()
GONE_TWEET = frozenset({"tweets", "counts", "likes", "likers", "files"})
ANON = (401, None, NONE)

ROUTES = {
    "edit-tweet": Route(
        "PATCH",
        lambda w: f"/tweets/{w.tweet_id}",
        json_body({"text": "changed"}),
        {
            "owner": (200, None, frozenset({"tweets"})),
            "other": (403, "not_author", NONE),
            "admin": (403, "not_author", NONE),
        },
    ),
    "delete-tweet": Route(
        "DELETE",
        lambda w: f"/tweets/{w.tweet_id}",
        no_body,
        {
            "owner": (204, None, GONE_TWEET),
            "other": (403, "not_author", NONE),
            "admin": (204, None, GONE_TWEET),
        },
    ),
    "like": Route(
        "POST",
        lambda w: f"/tweets/{w.tweet_id}/like",
        no_body,
        {"owner": (200, None, NONE), "other": (200, None, NONE), "admin": (200, None, NONE)},
    ),
    "unlike": Route(
        "DELETE",
        lambda w: f"/tweets/{w.tweet_id}/like",
        no_body,
        {
            "owner": (200, None, frozenset({"likes"})),
            "other": (200, None, NONE),
            "admin": (200, None, NONE),
        },
    ),
    "follow": Route(
        "POST",
        lambda w: "/users/victim/follow",
        no_body,
        {
            "owner": (400, "cannot_follow_self", NONE),
            "other": (204, None, NONE),
            "admin": (204, None, NONE),
        },
    ),
    "unfollow": Route(
        "DELETE",
        lambda w: "/users/victim/follow",
        no_body,
        {"owner": (204, None, NONE), "other": (204, None, NONE), "admin": (204, None, NONE)},
    ),
    "change-user-status": Route(
        "PATCH",
        lambda w: "/users/victim",
        json_body({"is_active": False, "is_admin": True}),
        {
            "owner": (403, "admin_required", NONE),
            "other": (403, "admin_required", NONE),
            "admin": (200, None, frozenset({"access", "profile"})),
        },
    ),
    "set-avatar": Route(
        "PUT",
        lambda w: "/me/avatar",
        an_avatar,
        {
            "owner": (200, None, frozenset({"avatar", "files"})),
            "other": (200, None, NONE),
            "admin": (200, None, NONE),
        },
    ),
    "remove-avatar": Route(
        "DELETE",
        lambda w: "/me/avatar",
        no_body,
        {
            "owner": (204, None, frozenset({"avatar", "files"})),
            "other": (204, None, NONE),
            "admin": (204, None, NONE),
        },
    ),
    "update-me": Route(
        "PATCH",
        lambda w: "/me",
        json_body({"bio": "changed", "first_name": "Changed"}),
        {
            "owner": (200, None, frozenset({"profile"})),
            "other": (200, None, NONE),
            "admin": (200, None, NONE),
        },
    ),
    "post-tweet": Route(
        "POST",
        lambda w: "/tweets",
        json_body({"text": "new"}),
        {
            "owner": (201, None, frozenset({"tweets", "counts"})),
            "other": (201, None, NONE),
            "admin": (201, None, NONE),
        },
    ),
}

CASES = [
    pytest.param(route, caller, id=f"{route}-{caller}") for route in ROUTES for caller in CALLERS
]


@pytest.mark.parametrize(("route_name", "caller_name"), CASES)
async def test_a_caller_changes_only_what_it_may(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    route_name: str,
    caller_name: str,
) -> None:
    route = ROUTES[route_name]
    world = await build_world(client, engine)
    caller = world.caller(caller_name)
    status, code, changes = route.outcomes.get(caller_name, ANON)
    before = await snapshot(engine, media_dir, world, caller)

    response = await client.request(
        route.method,
        API + route.path(world),
        headers=caller.auth if caller is not None else None,
        **route.body(),
    )

    if caller is None:
        assert_unauthorized(response)
    elif status >= 400:
        assert_problem(response, status, code)
    else:
        assert response.status_code == status, response.text
    after = await snapshot(engine, media_dir, world, caller)
    assert {key for key in before if before[key] != after[key]} == changes
    # The caller's own data is its own: check the effect there too for self-scoped routes.
    if caller is not None and status < 400 and route_name == "post-tweet":
        assert response.json()["author"]["id"] == caller.user["id"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/tweets", {"text": "x", "author_id": "victim"}, id="post-as"),
        pytest.param("POST", "/tweets", {"text": "x", "author": "victim"}, id="post-as-author"),
        pytest.param("PATCH", "/tweets/{tweet}", {"text": "x", "author_id": "other"}, id="steal"),
        pytest.param("PATCH", "/tweets/{tweet}", {"text": "x", "like_count": 0}, id="reset-likes"),
        pytest.param("PATCH", "/me", {"id": "victim"}, id="become-victim"),
    ],
)
async def test_no_field_names_another_user(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    world = await build_world(client, engine)
    ids = {"victim": world.victim.user["id"], "other": world.other.user["id"]}
    body = {key: ids.get(value, value) for key, value in body.items()}
    # The tweet routes are called by whoever would gain from the field: the victim's own
    # tweet by the victim (to hand it away), a new one by the other user (to forge it).
    caller = world.victim if "{tweet}" in path else world.other
    before = await snapshot(engine, media_dir, world, None)

    response = await client.request(
        method, API + path.format(tweet=world.tweet_id), json=body, headers=caller.auth
    )

    assert_problem(response, 400, "validation_error")
    assert await snapshot(engine, media_dir, world, None) == before
