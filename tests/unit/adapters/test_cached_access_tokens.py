from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.cached_access_tokens import CachedAccessTokens
from adapters.jwt_access_tokens import JwtAccessTokens
from application.ports.access_tokens import AccessClaims
from domain.errors import InvalidAccessToken
from tests.unit.adapters.test_jwt_access_tokens import claims, forge, payload
from tests.unit.world import SECRET


class CountingTokens(JwtAccessTokens):
    def __init__(self) -> None:
        super().__init__(SECRET)
        self.verified = 0

    def verify(self, token: str) -> AccessClaims:
        self.verified += 1
        return super().verify(token)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_token_is_fully_checked_once_then_remembered() -> None:
    inner = CountingTokens()
    cached = CachedAccessTokens(inner)
    token = cached.issue(claims())
    assert cached.verify(token) == cached.verify(token) == inner.verify(token)
    assert inner.verified == 2  # the cache's first verify, and the direct one


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    issued = claims(lifetime=timedelta(seconds=30))
    clock = Clock(issued.issued_at.timestamp())
    cached = CachedAccessTokens(JwtAccessTokens(SECRET), now=clock)
    token = cached.issue(issued)
    assert cached.verify(token).user_id == issued.user_id
    clock.now = issued.expires_at.timestamp()
    with pytest.raises(InvalidAccessToken):
        cached.verify(token)


def test_a_forgery_is_refused_every_time() -> None:
    cached = CachedAccessTokens(JwtAccessTokens(SECRET))
    forged = forge(payload(), key=b"another secret that is long enough to sign")
    for _ in range(2):
        with pytest.raises(InvalidAccessToken):
            cached.verify(forged)


def test_the_oldest_token_makes_room_when_full() -> None:
    inner = CountingTokens()
    cached = CachedAccessTokens(inner, capacity=2)
    first, second, third = (cached.issue(claims()) for _ in range(3))
    for token in (first, second, third):
        cached.verify(token)
    assert inner.verified == 3
    cached.verify(third)
    cached.verify(second)
    assert inner.verified == 3  # still remembered
    cached.verify(first)
    assert inner.verified == 4  # evicted, checked again
