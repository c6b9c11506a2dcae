"""Access tokens as an attacker or a test writes them, signed with the test secret."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import jwt

from tests.support.app import TEST_SECRET


def token_claims(access_token: str) -> dict[str, Any]:
    """The claims of an access token as any client can read them (no verification)."""
    claims: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return claims


def forge_access_token(
    claims: dict[str, Any],
    *,
    secret: bytes = TEST_SECRET,
    algorithm: str = "HS256",
    typ: str | None = "at+jwt",
) -> str:
    """An access token with exactly ``claims``, signed as told."""
    headers = {} if typ is None else {"typ": typ}
    key: bytes | None = None if algorithm == "none" else secret
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def mint_access_token(
    user_id: int, session_id: int, *, is_admin: bool = False, ttl: int = 600
) -> str:
    """A valid access token, as the app would issue it (lasting ``ttl`` seconds)."""
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": "chirp",
        "sub": str(user_id),
        "sid": str(session_id),
        "adm": is_admin,
        "iat": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(16),
    }
    return forge_access_token(claims)
