from __future__ import annotations

import time
from collections.abc import Callable

from application.ports.access_tokens import AccessClaims, AccessTokens
from domain.errors import InvalidAccessToken

DEFAULT_CAPACITY = 10_000


class CachedAccessTokens(AccessTokens):
    """Remembers the tokens ``inner`` has verified until they expire.

    A client sends the same access token with every request of its short life, and the full
    check (header, HMAC, claims) costs more than the rest of a cached read. Only tokens that
    passed the full check are remembered, keyed by their exact text, so a forgery is never a
    hit; a hit is refused once its ``exp`` has passed, as the full check would. Nothing else
    about a verified token can change with time (the key is fixed for the process), so a
    remembered verdict stays right until then. The oldest entry makes room when full.
    """

    def __init__(
        self,
        inner: AccessTokens,
        capacity: int = DEFAULT_CAPACITY,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._capacity = capacity
        self._now = now
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    def issue(self, claims: AccessClaims) -> str:
        return self._inner.issue(claims)

    def verify(self, token: str) -> AccessClaims:
        hit = self._verified.get(token)
        if hit is not None:
            claims, expires = hit
            if self._now() < expires:
                return claims
            del self._verified[token]
            raise InvalidAccessToken
        claims = self._inner.verify(token)
        if len(self._verified) >= self._capacity:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (claims, claims.expires_at.timestamp())
        return claims
