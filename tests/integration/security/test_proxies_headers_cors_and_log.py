"""Issue 5: trusted proxies, security headers, CORS, request ids and the security log."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from entrypoints.logs import JsonFormatter
from tests.support.accounts import register_admin
from tests.support.api import API, Account, assert_problem, bearer, login, refresh, register
from tests.support.app import TEST_SECRET, SharedEngine, serve
from tests.support.doubles import ManualClock
from tests.support.image_samples import png_bytes

# httpx's ASGI transport reports this peer address for every request.
TEST_PEER = "127.0.0.1"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@asynccontextmanager
async def app_client(
    engine: AsyncEngine, tmp_path: Path, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    config = AppConfig(
        database_url=str(engine.url),
        jwt_secret=TEST_SECRET,
        media_dir=tmp_path / "media",
        **settings,
    )
    async with serve(create_app(config, SharedEngine(engine))) as client:
        yield client


async def limit_failures_per_address(client: httpx.AsyncClient, admin: Account, n: int) -> None:
    response = await client.patch(
        f"{API}/admin/settings", json={"login_failures_per_address": n}, headers=admin.auth
    )
    assert response.status_code == 200, response.text


# --- Trusted proxies ---


async def fail_login(client: httpx.AsyncClient, n: int, forwarded_for: str) -> httpx.Response:
    """A failed login of a made-up account ``nobody<n>``, forwarded for ``forwarded_for``."""
    return await client.post(
        f"{API}/auth/login",
        json={"username": f"nobody{n}", "password": "wrong password"},
        headers={"X-Forwarded-For": forwarded_for},
    )


async def test_rotating_x_forwarded_for_does_not_dodge_the_address_limit(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    admin = await register_admin(client, engine)
    await limit_failures_per_address(client, admin, 3)

    for n in range(3):
        response = await client.post(
            f"{API}/auth/login",
            json={"username": f"nobody{n}", "password": "wrong password"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert_problem(response, 401, "invalid_credentials")
    response = await client.post(
        f"{API}/auth/login",
        json={"username": "nobody9", "password": "wrong password"},
        headers={"X-Forwarded-For": "198.51.100.9"},
    )
    assert_problem(response, 429, "too_many_attempts")
    assert int(response.headers["retry-after"]) > 0


async def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    trusted = (ip_network(TEST_PEER),)
    async with app_client(engine, tmp_path, trusted_proxies=trusted) as client:
        admin = await register_admin(client, engine)
        await limit_failures_per_address(client, admin, 2)

        # Five clients, two failures each: nobody reaches the limit of another.
        for n in range(10):
            assert_problem(
                await fail_login(client, n, f"198.51.100.{n % 5}"), 401, "invalid_credentials"
            )
        # The third failure of one forwarded client is refused; a hop the client wrote
        # itself (left of the address the proxy saw) changes nothing.
        response = await fail_login(client, 10, "6.6.6.6, 198.51.100.0")
        assert_problem(response, 429, "too_many_attempts")
        assert int(response.headers["retry-after"]) > 0
        assert_problem(await fail_login(client, 11, "198.51.100.5"), 401, "invalid_credentials")


async def test_an_ipv6_client_cannot_rotate_through_its_64(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    trusted = (ip_network(TEST_PEER),)
    async with app_client(engine, tmp_path, trusted_proxies=trusted) as client:
        admin = await register_admin(client, engine)
        await limit_failures_per_address(client, admin, 2)

        for n in range(2):
            response = await fail_login(client, n, f"2001:db8:1:2::{n + 1}")
            assert_problem(response, 401, "invalid_credentials")
        # Another address of the same /64 is the same client; another /64 is not.
        assert_problem(
            await fail_login(client, 2, "2001:db8:1:2:ffff::9"), 429, "too_many_attempts"
        )
        assert_problem(await fail_login(client, 3, "2001:db8:1:3::1"), 401, "invalid_credentials")


# --- Security headers ---


def assert_security_headers(response: httpx.Response, csp: str | None = API_CSP) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers.get("content-security-policy") == csp
    assert response.headers["x-request-id"]
    assert "access-control-allow-origin" not in response.headers


async def test_every_kind_of_response_carries_the_security_headers(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")

    me = await client.get(f"{API}/me", headers=alice.auth)
    assert me.status_code == 200
    assert_security_headers(me)
    assert_security_headers(await client.get("/health"))
    not_found = await client.get(f"{API}/users/nobody")
    assert_problem(not_found, 404)
    assert_security_headers(not_found)
    no_route = await client.get("/no/such/path")
    assert_problem(no_route, 404)
    assert_security_headers(no_route)
    unauthenticated = await client.get(f"{API}/me")
    assert_problem(unauthenticated, 401)
    assert_security_headers(unauthenticated)
    options = await client.options(f"{API}/tweets")
    assert_security_headers(options)

    avatar = await client.put(
        f"{API}/me/avatar", files={"image": ("a.png", png_bytes())}, headers=alice.auth
    )
    assert avatar.status_code == 200, avatar.text
    image = await client.get(avatar.json()["avatar_url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    # Media keep their own stricter policy (sandboxed), once, not two competing ones.
    assert_security_headers(image, csp=image.headers["content-security-policy"])
    assert image.headers.get_list("content-security-policy") == [
        image.headers["content-security-policy"]
    ]
    assert image.headers["content-security-policy"].startswith("default-src 'none'")
    assert image.headers.get_list("x-content-type-options") == ["nosniff"]


@pytest.mark.parametrize("path", ["/schema/swagger", "/schema/redoc"])
async def test_the_docs_pages_may_run_their_scripts(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    # Scripts from this origin only, no inline code, no CDN: api/docs/test_docs_in_a_browser.py.
    assert_security_headers(response, csp=DOCS_CSP)


@pytest.mark.parametrize("path", ["register", "login", "refresh"])
async def test_token_responses_are_never_stored(client: httpx.AsyncClient, path: str) -> None:
    if path == "register":
        response = await client.post(
            f"{API}/auth/register",
            json={"username": "alice", "email": "a@example.com", "password": "a fine password"},
        )
    else:
        alice = await register(client, "alice")
        response = (
            await login(client, username="alice")
            if path == "login"
            else await refresh(client, alice.tokens["refresh_token"])
        )
    assert response.status_code in (200, 201), response.text
    assert response.headers["cache-control"] == "no-store"
    assert_security_headers(response)


async def test_private_responses_are_never_stored(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    root = await register_admin(client, engine)
    alice = await register(client, "alice")
    avatar = {"image": ("a.png", png_bytes())}
    private = {
        "GET /me": await client.get(f"{API}/me", headers=alice.auth),
        "PATCH /me": await client.patch(f"{API}/me", json={"bio": "b"}, headers=alice.auth),
        "PUT /me": await client.put(f"{API}/me", json={"bio": "c"}, headers=alice.auth),
        "PUT /me/avatar": await client.put(f"{API}/me/avatar", files=avatar, headers=alice.auth),
        "GET /users": await client.get(f"{API}/users", headers=root.auth),
        "PATCH /users/alice": await client.patch(
            f"{API}/users/alice", json={"is_active": True}, headers=root.auth
        ),
        "GET /admin/settings": await client.get(f"{API}/admin/settings", headers=root.auth),
        "PATCH /admin/settings": await client.patch(
            f"{API}/admin/settings", json={"access_token_ttl_seconds": 60}, headers=root.auth
        ),
    }

    for name, response in private.items():
        assert response.status_code == 200, (name, response.text)
        assert response.headers.get("cache-control") == "no-store", name
        assert_security_headers(response)
    public = await client.get(f"{API}/users/alice", headers=alice.auth)
    assert public.status_code == 200
    assert "no-store" not in public.headers.get("cache-control", "")


# --- CORS ---

APP_ORIGIN = "https://app.example.com"


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_without_configured_origins_there_is_no_cors(client: httpx.AsyncClient) -> None:
    response = await client.options(f"{API}/tweets", headers=preflight(APP_ORIGIN))
    assert "access-control-allow-origin" not in response.headers
    response = await client.get("/health", headers={"Origin": APP_ORIGIN})
    assert not [name for name in response.headers if name.startswith("access-control-")]


async def test_only_configured_origins_pass_cors(engine: AsyncEngine, tmp_path: Path) -> None:
    async with app_client(engine, tmp_path, cors_origins=(APP_ORIGIN,)) as client:
        allowed = await client.options(f"{API}/tweets", headers=preflight(APP_ORIGIN))
        assert allowed.status_code in (200, 204)
        assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "POST" in allowed.headers["access-control-allow-methods"]
        allowed_headers = allowed.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed_headers
        assert "content-type" in allowed_headers
        assert allowed.headers["x-content-type-options"] == "nosniff"

        other = await client.options(f"{API}/tweets", headers=preflight("https://evil.example"))
        assert "access-control-allow-origin" not in other.headers
        lookalike = await client.options(
            f"{API}/tweets", headers=preflight("https://app-example.com")
        )
        assert "access-control-allow-origin" not in lookalike.headers

        # An actual cross-origin request: allowed for the origin, with our headers exposed.
        alice = await register(client, "alice")
        me = await client.get(f"{API}/me", headers={**alice.auth, "Origin": APP_ORIGIN})
        assert me.status_code == 200
        assert me.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "x-request-id" in me.headers["access-control-expose-headers"].lower()
        me = await client.get(f"{API}/me", headers={**alice.auth, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in me.headers


# --- Request ids ---


async def test_a_safe_request_id_is_echoed_and_any_other_replaced(
    client: httpx.AsyncClient,
) -> None:
    given = "req-42_A.b"
    echoed = await client.get("/health", headers={"X-Request-ID": given})
    assert echoed.headers["x-request-id"] == given

    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/health")).headers["x-request-id"]
    assert first != second
    for unsafe in ("a b", "x" * 65, "id;drop", "a\tb", ""):
        replaced = await client.get("/health", headers={"X-Request-ID": unsafe})
        assert replaced.headers["x-request-id"] not in (unsafe, "")


# --- The security log ---

SECRET_PASSWORD = "Zebra-Quokka-7781-Distinctive!"


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captures every log line, formatted as the app writes them (JSON)."""
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter())
    return caplog


def entries(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """Every captured line, each of which must be one JSON object."""
    return [json.loads(line) for line in caplog.text.splitlines()]


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[dict[str, Any]]:
    return [entry for entry in entries(caplog) if entry.get("event") == name]


async def test_a_failed_login_is_logged_without_the_password_or_the_name(
    client: httpx.AsyncClient, log_lines: pytest.LogCaptureFixture
) -> None:
    alice = await register(client, "alice")
    response = await client.post(
        f"{API}/auth/login",
        json={"username": "alice", "password": SECRET_PASSWORD},
        headers={"X-Request-ID": "trace-login-1"},
    )
    assert_problem(response, 401, "invalid_credentials")
    assert response.headers["x-request-id"] == "trace-login-1"
    unknown = await client.post(
        f"{API}/auth/login", json={"username": "Mallory_Unknown", "password": SECRET_PASSWORD}
    )
    assert_problem(unknown, 401, "invalid_credentials")

    wrong_password, no_account = events(log_lines, "login_failed")
    assert wrong_password["request_id"] == "trace-login-1"
    assert wrong_password["level"] == "WARNING"
    assert wrong_password["logger"] == "chirp.audit"
    assert wrong_password["timestamp"].endswith("Z")
    assert wrong_password["reason"] == "wrong_password"
    assert wrong_password["user_id"] == alice.user["id"]
    assert no_account["reason"] == "unknown_account"
    assert no_account["user_id"] is None
    assert no_account["request_id"] == unknown.headers["x-request-id"]
    assert len(no_account["identifier_digest"]) == 16

    assert SECRET_PASSWORD not in log_lines.text
    assert "mallory" not in log_lines.text.lower()
    for secret in (alice.tokens["access_token"], alice.tokens["refresh_token"], alice.password):
        assert secret not in log_lines.text


async def test_a_login_and_its_failures_are_told_apart_without_secrets(
    client: httpx.AsyncClient, log_lines: pytest.LogCaptureFixture
) -> None:
    await register(client, "alice", password=SECRET_PASSWORD)
    response = await login(client, SECRET_PASSWORD, username="alice")
    assert response.status_code == 200

    (success,) = events(log_lines, "login_succeeded")
    assert success["user_id"] > 0
    assert success["session_id"] > 0
    assert success["request_id"] == response.headers["x-request-id"]
    text = log_lines.text
    for secret in (SECRET_PASSWORD, *response.json().values()):
        if isinstance(secret, str) and len(secret) > 8:
            assert secret not in text


async def test_a_name_with_a_newline_cannot_forge_a_log_line(
    client: httpx.AsyncClient, log_lines: pytest.LogCaptureFixture
) -> None:
    forged = 'x"}\n{"level": "INFO", "event": "login_succeeded", "user_id": 1}\r\n\u2028'
    short = '"\n{"event":"login_succeeded"}'  # a username is at most 30 characters
    for who in ({"username": short}, {"email": forged}):
        response = await client.post(
            f"{API}/auth/login",
            json={"password": "wrong password", **who},
            headers={"X-Request-ID": "bad\nid"},
        )
        assert_problem(response, 401, "invalid_credentials")

    lines = entries(log_lines)  # every line parses as one JSON object
    assert [entry["event"] for entry in lines if "event" in entry] == ["login_failed"] * 2
    assert not events(log_lines, "login_succeeded")
    assert "login_succeeded" not in log_lines.text
    assert all(entry["request_id"] != "bad\nid" for entry in lines)


async def test_throttling_refusals_are_logged(
    client: httpx.AsyncClient, engine: AsyncEngine, log_lines: pytest.LogCaptureFixture
) -> None:
    admin = await register_admin(client, engine)
    await limit_failures_per_address(client, admin, 1)
    assert_problem(await login(client, "wrong password", username="nobody"), 401)
    refused = await login(client, "wrong password", username="nobody")
    assert_problem(refused, 429, "too_many_attempts")

    (throttled,) = events(log_lines, "throttled")
    assert throttled["action"] == "login"
    assert throttled["address"] == TEST_PEER
    assert throttled["retry_after"] == int(refused.headers["retry-after"])
    assert throttled["request_id"] == refused.headers["x-request-id"]


async def test_refresh_token_reuse_is_logged_with_the_session(
    clocked_client: httpx.AsyncClient, clock: ManualClock, log_lines: pytest.LogCaptureFixture
) -> None:
    alice = await register(clocked_client, "alice")
    first = alice.tokens["refresh_token"]
    assert (await refresh(clocked_client, first)).status_code == 200
    clock.advance(seconds=11)
    assert_problem(await refresh(clocked_client, first), 401, "refresh_token_reused")

    (reuse,) = events(log_lines, "refresh_token_reused")
    assert reuse["level"] == "WARNING"
    assert reuse["user_id"] == alice.user["id"]
    assert isinstance(reuse["session_id"], int)
    assert first not in log_lines.text


async def test_logout_everywhere_is_logged(
    client: httpx.AsyncClient, log_lines: pytest.LogCaptureFixture
) -> None:
    alice = await register(client, "alice")
    response = await client.post(f"{API}/auth/logout-all", headers=alice.auth)
    assert response.status_code == 204

    (logout,) = events(log_lines, "logged_out_everywhere")
    assert logout["user_id"] == alice.user["id"]
    assert logout["request_id"] == response.headers["x-request-id"]


async def test_admin_actions_are_logged(
    client: httpx.AsyncClient, engine: AsyncEngine, log_lines: pytest.LogCaptureFixture
) -> None:
    admin = await register_admin(client, engine)
    bob = await register(client, "bob")
    changed = await client.patch(
        f"{API}/admin/settings",
        json={"access_token_ttl_seconds": 60, "login_failures_per_account": 5},
        headers=admin.auth,
    )
    assert changed.status_code == 200
    status = await client.patch(
        f"{API}/users/bob", json={"is_active": False}, headers=bearer(admin.tokens["access_token"])
    )
    assert status.status_code == 200

    (settings,) = events(log_lines, "settings_changed")
    assert settings["keys"] == ["access_token_ttl_seconds", "login_failures_per_account"]
    assert settings["actor_id"] == admin.user["id"]
    assert settings["request_id"] == changed.headers["x-request-id"]
    (user_status,) = events(log_lines, "user_status_changed")
    assert user_status["actor_id"] == admin.user["id"]
    assert user_status["target_id"] == bob.user["id"]
    assert user_status["changes"] == {"is_active": False}


async def test_an_ordinary_read_logs_nothing(
    client: httpx.AsyncClient, log_lines: pytest.LogCaptureFixture
) -> None:
    alice = await register(client, "alice")
    log_lines.clear()
    for _ in range(3):
        assert (await client.get(f"{API}/me", headers=alice.auth)).status_code == 200
    assert (await client.get("/health")).status_code == 200
    assert [r.getMessage() for r in log_lines.records if r.name.startswith("chirp")] == []
