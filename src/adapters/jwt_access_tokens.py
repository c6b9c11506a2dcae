from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

import jwt

from application.ports.access_tokens import AccessClaims, AccessTokens
from domain.errors import InvalidAccessToken

ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"
MIN_SECRET_BYTES = 32
REQUIRED_CLAIMS = ["iss", "sub", "sid", "iat", "exp", "adm"]
# Three unpadded base64url parts (RFC 7515 compact form). PyJWT also takes a padded
# signature, which would give one token many spellings.
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Ids are ASCII decimal strings that fit the database's 64-bit keys (str.isdigit and int
# also take other scripts' digits, and a longer number overflowed the driver: a 500).
DECIMAL_ID = re.compile(r"[0-9]{1,18}")
# Times (iat, exp, nbf) are whole seconds since 1970, as this codec writes them, up to the last
# second a datetime can hold. PyJWT takes anything int() takes ("1700000000", 1e20, True):
# such a value then failed, or overflowed, as a datetime (a 500).
LATEST_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z


class JwtAccessTokens(AccessTokens):
    """HS256 JWTs with ``typ: at+jwt`` (RFC 9068); the algorithm is pinned on decode."""

    def __init__(self, secret: bytes, issuer: str = "chirp") -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._issuer = issuer

    def issue(self, claims: AccessClaims) -> str:
        return jwt.encode(
            {
                "iss": self._issuer,
                "sub": str(claims.user_id),
                "sid": str(claims.session_id),
                "adm": claims.is_admin,
                "iat": int(claims.issued_at.timestamp()),
                "exp": int(claims.expires_at.timestamp()),
                # Unique per token (RFC 9068), so no two tokens are ever the same string.
                "jti": secrets.token_urlsafe(16),
            },
            self._secret,
            algorithm=ALGORITHM,
            headers={"typ": TOKEN_TYPE},
        )

    def verify(self, token: str) -> AccessClaims:
        if not COMPACT_JWS.fullmatch(token):
            raise InvalidAccessToken
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ") != TOKEN_TYPE:
                raise InvalidAccessToken
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "verify_sub": True},
            )
            user_id = int(payload["sub"])
            session_id = int(payload["sid"])
            is_admin = payload["adm"]
            issued_at, expires_at = payload["iat"], payload["exp"]
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise InvalidAccessToken from error
        if not isinstance(is_admin, bool) or not all(
            isinstance(value, str) and DECIMAL_ID.fullmatch(value)
            for value in (payload["sub"], payload["sid"])
        ):
            raise InvalidAccessToken
        if not all(
            _numeric_date(payload[claim]) for claim in ("iat", "exp", "nbf") if claim in payload
        ):
            raise InvalidAccessToken
        return AccessClaims(
            user_id=user_id,
            session_id=session_id,
            is_admin=is_admin,
            issued_at=datetime.fromtimestamp(issued_at, UTC),
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )


def _numeric_date(value: object) -> bool:
    """Whether ``value`` is a time this codec could have written (bool is an int, but no time)."""
    return type(value) is int and 0 <= value <= LATEST_NUMERIC_DATE
