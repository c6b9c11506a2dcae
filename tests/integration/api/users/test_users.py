"""Users and follows: profiles, follow/unfollow, follower lists, the active-users leaderboard,
and the administrators' user list and status changes."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users, register_admin
from tests.support.api import (
    API,
    PASSWORD,
    assert_problem,
    assert_unauthorized,
    bearer,
    error_fields,
    login,
    refresh,
    register,
)
from tests.support.contract import (
    USER_PRIVATE_KEYS,
    assert_timestamp,
    assert_user_public,
    assert_user_summary,
)
from tests.support.image_samples import gif_bytes
from tests.support.tokens import forge_access_token

ADMIN_VIEW_KEYS = USER_PRIVATE_KEYS | {"is_active"}


async def profile(
    client: httpx.AsyncClient, username: str, headers: dict[str, str] | None = None
) -> dict[str, object]:
    response = await client.get(f"{API}/users/{username}", headers=headers)
    assert response.status_code == 200, response.text
    return assert_user_public(response.json())


def counts(body: dict[str, object]) -> tuple[object, object, object]:
    return body["followers_count"], body["following_count"], body["tweets_count"]


# --- GET /users/{username} ---


async def test_a_profile_is_the_public_view_of_the_user(client: httpx.AsyncClient) -> None:
    alice = await register(client, "Alice", first_name="Alice", last_name="Liddell", bio="Hi")

    body = await profile(client, "Alice")

    private = alice.user
    assert body == {
        "id": private["id"],
        "username": "Alice",
        "first_name": "Alice",
        "last_name": "Liddell",
        "bio": "Hi",
        "avatar_url": None,
        "created_at": private["created_at"],
        "followers_count": 0,
        "following_count": 0,
        "tweets_count": 0,
        # How the caller stands with the user: anonymous.
        **dict.fromkeys(("followed_by_me", "follows_me", "blocking", "blocked_by", "muting")),
    }
    # Lookups by username are case-insensitive; the stored spelling is kept.
    assert await profile(client, "aLiCe") == body


async def test_followed_by_me_says_whether_the_caller_follows(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")

    assert (await profile(client, "alice", bob.auth))["followed_by_me"] is False
    assert (await profile(client, "alice", alice.auth))["followed_by_me"] is False  # oneself
    assert (await client.post(f"{API}/users/alice/follow", headers=bob.auth)).status_code == 204
    assert (await profile(client, "alice", bob.auth))["followed_by_me"] is True
    assert (await profile(client, "alice"))["followed_by_me"] is None
    assert (await profile(client, "bob", alice.auth))["followed_by_me"] is False  # not mutual


USER_ROUTES = [
    ("GET", "/users/{}"),
    ("GET", "/users/{}/tweets"),
    ("GET", "/users/{}/followers"),
    ("GET", "/users/{}/following"),
    ("POST", "/users/{}/follow"),
    ("DELETE", "/users/{}/follow"),
]


@pytest.mark.parametrize(("method", "path"), USER_ROUTES)
async def test_an_unknown_user_is_404_user_not_found(
    client: httpx.AsyncClient, engine: AsyncEngine, method: str, path: str
) -> None:
    (alice,) = await insert_users(engine, "alice")

    for name in ("nobody", "ab", "no-such_user!"):
        response = await client.request(method, API + path.format(name), headers=alice.auth)
        assert_problem(response, 404, "user_not_found")


async def test_a_too_long_username_is_just_an_unknown_user(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/users/{'x' * 31}")

    assert_problem(response, 404, "user_not_found")


OPTIONAL_AUTH_USER_ROUTES = [path for method, path in USER_ROUTES if method == "GET"]


@pytest.mark.parametrize("path", OPTIONAL_AUTH_USER_ROUTES)
async def test_optional_auth_is_anonymous_without_a_header_but_401_with_a_bad_one(
    client: httpx.AsyncClient, engine: AsyncEngine, path: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    url = API + path.format("alice")
    claims = {"iss": "chirp", "sub": str(alice.user["id"]), "sid": "1", "adm": False}

    assert (await client.get(url)).status_code == 200
    for header in (
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {alice.tokens['access_token']}"},
        bearer(forge_access_token({**claims, "iat": 1, "exp": 2})),  # expired
        bearer(forge_access_token({**claims, "iat": 1, "exp": 2**40}, secret=b"x" * 40)),
    ):
        assert_unauthorized(await client.get(url, headers=header))


# --- Follows ---


async def test_follow_and_unfollow_are_idempotent_and_keep_counts_exact(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, bob = await insert_users(engine, "alice", "bob")

    for _ in range(2):
        response = await client.post(f"{API}/users/ALICE/follow", headers=bob.auth)
        assert response.status_code == 204
        assert response.content == b""
        assert counts(await profile(client, "alice")) == (1, 0, 0)
        assert counts(await profile(client, "bob")) == (0, 1, 0)

    for _ in range(2):
        response = await client.delete(f"{API}/users/alice/follow", headers=bob.auth)
        assert response.status_code == 204
        assert response.content == b""
        assert counts(await profile(client, "alice")) == (0, 0, 0)
        assert counts(await profile(client, "bob")) == (0, 0, 0)
    assert (await profile(client, "alice", bob.auth))["followed_by_me"] is False


async def test_following_oneself_is_refused(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    (alice,) = await insert_users(engine, "alice")

    for name in ("alice", "ALICE"):
        response = await client.post(f"{API}/users/{name}/follow", headers=alice.auth)
        assert_problem(response, 400, "cannot_follow_self")
    # Unfollowing oneself is a no-op, like any unfollow of someone not followed.
    assert (await client.delete(f"{API}/users/alice/follow", headers=alice.auth)).status_code == 204
    assert counts(await profile(client, "alice")) == (0, 0, 0)
    followers = await client.get(f"{API}/users/alice/followers")
    assert followers.json() == {"items": [], "next_cursor": None}


async def test_followers_and_following_list_user_summaries_most_recent_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "bob", "carol")
    avatar_owner = await client.put(
        f"{API}/me/avatar",
        files={"image": ("a.gif", gif_bytes(8, 8), "image/gif")},
        headers=carol.auth,
    )
    assert avatar_owner.status_code == 200, avatar_owner.text
    carol_avatar = avatar_owner.json()["avatar_url"]
    for follower, followee in ((bob, "alice"), (carol, "alice"), (alice, "bob"), (alice, "carol")):
        response = await client.post(f"{API}/users/{followee}/follow", headers=follower.auth)
        assert response.status_code == 204

    followers = await client.get(f"{API}/users/alice/followers")
    following = await client.get(f"{API}/users/ALICE/following", headers=bob.auth)

    for response in (followers, following):
        assert response.status_code == 200
        assert set(response.json()) == {"items", "next_cursor"}
        assert response.json()["next_cursor"] is None
        assert "link" not in response.headers
        for item in response.json()["items"]:
            assert_user_summary(item)
    expected = [
        {"id": carol.user["id"], "username": "carol", "avatar_url": carol_avatar},
        {"id": bob.user["id"], "username": "bob", "avatar_url": None},
    ]
    assert followers.json()["items"] == expected
    assert following.json()["items"] == expected
    assert (await client.get(f"{API}/users/bob/followers")).json()["items"] == [
        {"id": alice.user["id"], "username": "alice", "avatar_url": None}
    ]

    assert (await client.delete(f"{API}/users/alice/follow", headers=carol.auth)).status_code == 204
    assert (await client.get(f"{API}/users/alice/followers")).json()["items"] == expected[1:]
    assert counts(await profile(client, "alice")) == (1, 2, 0)
    assert counts(await profile(client, "carol")) == (1, 0, 0)


# --- GET /users/active ---


async def test_active_users_are_a_plain_array_most_recent_login_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, _, _, _ = await insert_users(engine, "alice", "bob", "carol", "dave")
    for name in ("alice", "bob", "carol", "alice"):  # dave never logs in
        assert (await login(client, username=name)).status_code == 200

    response = await client.get(f"{API}/users/active", headers=alice.auth)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert [entry["username"] for entry in body] == ["alice", "carol", "bob"]
    for entry in body:
        assert set(entry) == {"username", "last_login"}
    logins = [assert_timestamp(entry["last_login"]) for entry in body]
    assert logins == sorted(logins, reverse=True)
    me = await client.get(f"{API}/me", headers=alice.auth)
    assert body[0]["last_login"] == me.json()["last_login"]

    one = await client.get(f"{API}/users/active", params={"limit": 1}, headers=alice.auth)
    assert [entry["username"] for entry in one.json()] == ["alice"]
    assert "link" not in one.headers
    assert_unauthorized(await client.get(f"{API}/users/active"))


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
async def test_active_users_limit_is_1_to_100(
    client: httpx.AsyncClient, engine: AsyncEngine, limit: str
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.get(f"{API}/users/active", params={"limit": limit}, headers=alice.auth)

    assert error_fields(assert_problem(response, 400, "validation_error")) == {"limit"}


async def test_active_users_default_to_20_and_allow_100(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    accounts = await insert_users(engine, *(f"user{i:02}" for i in range(21)))
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE users SET last_login = created_at"))
    auth = accounts[0].auth

    default = await client.get(f"{API}/users/active", headers=auth)
    most = await client.get(f"{API}/users/active", params={"limit": 100}, headers=auth)

    assert len(default.json()) == 20
    assert len(most.json()) == 21


@pytest.mark.parametrize("name", ["active", "Active", "ACTIVE"])
async def test_active_cannot_be_a_username(
    client: httpx.AsyncClient, engine: AsyncEngine, name: str
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"username": name, "email": "someone@example.com", "password": PASSWORD},
    )
    assert error_fields(assert_problem(response, 400, "validation_error")) == {"username"}

    (alice,) = await insert_users(engine, "alice")
    renamed = await client.patch(f"{API}/me", json={"username": name}, headers=alice.auth)
    assert error_fields(assert_problem(renamed, 400, "validation_error")) == {"username"}
    # /users/active is still the leaderboard.
    leaderboard = await client.get(f"{API}/users/active", headers=alice.auth)
    assert leaderboard.status_code == 200
    assert isinstance(leaderboard.json(), list)


# --- GET /users and PATCH /users/{username} (administrators) ---


async def test_an_admin_lists_every_account_newest_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    bob = await register(client, "bob", bio="builder")
    admin = await register_admin(client, engine)

    response = await client.get(f"{API}/users", headers=admin.auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    assert [item["username"] for item in body["items"]] == ["root", "bob"]
    for item in body["items"]:
        assert set(item) == ADMIN_VIEW_KEYS
        assert item["is_active"] is True
    bob_view = body["items"][1]
    assert {key: bob_view[key] for key in USER_PRIVATE_KEYS} == bob.user
    assert body["items"][0]["is_admin"] is True


async def test_only_an_admin_lists_users(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    bob = await register(client, "bob")
    admin = await register_admin(client, engine)

    assert_problem(await client.get(f"{API}/users", headers=bob.auth), 403, "admin_required")
    assert_unauthorized(await client.get(f"{API}/users"))
    # Admin status is confirmed in the database: a demoted admin's token no longer works.
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE users SET is_admin = :no"), {"no": False})
    assert_problem(await client.get(f"{API}/users", headers=admin.auth), 403, "admin_required")


async def test_an_admin_deactivates_and_reactivates_a_user(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    bob = await register(client, "bob")
    admin = await register_admin(client, engine)

    response = await client.patch(f"{API}/users/BOB", json={"is_active": False}, headers=admin.auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ADMIN_VIEW_KEYS
    assert (body["username"], body["is_active"], body["is_admin"]) == ("bob", False, False)
    assert_unauthorized(await login(client, username="bob"), "invalid_credentials")
    assert_unauthorized(await refresh(client, bob.tokens["refresh_token"]), "invalid_refresh_token")

    response = await client.patch(f"{API}/users/bob", json={"is_active": True}, headers=admin.auth)
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert (await login(client, username="bob")).status_code == 200


async def test_an_admin_promotes_a_user(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    bob = await register(client, "bob")
    admin = await register_admin(client, engine)
    assert (await client.get(f"{API}/users", headers=bob.auth)).status_code == 403

    response = await client.patch(f"{API}/users/bob", json={"is_admin": True}, headers=admin.auth)

    assert response.status_code == 200
    assert (response.json()["is_admin"], response.json()["is_active"]) == (True, True)
    assert (await client.get(f"{API}/users", headers=bob.auth)).status_code == 200
    me = await client.get(f"{API}/me", headers=bob.auth)
    assert me.json()["is_admin"] is True


async def test_changing_a_users_status_is_for_admins_only(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    bob = await register(client, "bob")
    carol = await register(client, "carol")
    admin = await register_admin(client, engine)

    for body in ({"is_active": False}, {"is_admin": True}):
        refused = await client.patch(f"{API}/users/carol", json=body, headers=bob.auth)
        assert_problem(refused, 403, "admin_required")
        assert_unauthorized(await client.patch(f"{API}/users/carol", json=body))
    unknown = await client.patch(
        f"{API}/users/nobody", json={"is_active": False}, headers=admin.auth
    )
    assert_problem(unknown, 404, "user_not_found")
    extra = await client.patch(
        f"{API}/users/carol", json={"is_active": True, "email": "x@example.com"}, headers=admin.auth
    )
    assert_problem(extra, 400, "validation_error")
    # Carol is untouched by all of that.
    listing = (await client.get(f"{API}/users", headers=admin.auth)).json()["items"]
    carol_view = next(item for item in listing if item["username"] == "carol")
    assert (carol_view["is_active"], carol_view["is_admin"]) == (True, False)
    assert carol_view["email"] == carol.email


@pytest.mark.parametrize(("method", "path"), [USER_ROUTES[0], USER_ROUTES[4]])
async def test_a_nul_character_in_a_username_is_just_an_unknown_user(
    client: httpx.AsyncClient, engine: AsyncEngine, method: str, path: str
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.request(method, API + path.format("al%00ice"), headers=alice.auth)

    assert_problem(response, 404, "user_not_found")
