from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.memory.sessions import InMemorySessionRepository
from application.ports.sessions import SessionRepository
from application.use_cases.register_user import RegisterUserResult
from application.use_cases.rotate_refresh_token import RotateRefreshTokenCommand
from domain.errors import (
    InvalidRefreshToken,
    RefreshTokenExpired,
    RefreshTokenReused,
    RefreshTokenRotated,
)
from domain.sessions import RefreshToken
from domain.users import User
from tests.support.wiring import override
from tests.unit.world import World

GRACE = timedelta(seconds=10)  # the default refresh_reuse_grace_seconds
REFRESH_TTL = timedelta(days=30)  # the default refresh_token_ttl_seconds


async def test_rotation_issues_a_new_pair_in_the_same_session(
    world: World, alice: RegisterUserResult
) -> None:
    old = alice.tokens

    new = await world.refresh(old.refresh_token)

    assert new.refresh_token != old.refresh_token
    assert new.session_id == old.session_id
    assert (new.expires_in, new.refresh_expires_in) == (30, 30 * 86400)
    claims = world.claims(new.access_token)
    assert (claims.user_id, claims.session_id) == (alice.user.id, old.session_id)


async def test_rotation_consumes_the_old_token_and_chains_the_new_one(
    world: World, alice: RegisterUserResult
) -> None:
    world.clock.advance(minutes=3)

    new = await world.refresh(alice.tokens.refresh_token)

    old_token = world.stored_token(alice.tokens.refresh_token)
    new_token = world.stored_token(new.refresh_token)
    assert old_token.rotated_at == world.clock.now()
    assert new_token.rotated_at is None
    assert new_token.parent_id == old_token.id
    assert new_token.session_id == old_token.session_id
    assert new_token.expires_at == world.clock.now() + REFRESH_TTL


async def test_a_chain_of_rotations_keeps_working(world: World, alice: RegisterUserResult) -> None:
    token = alice.tokens.refresh_token
    for _ in range(5):
        world.clock.advance(days=1)
        token = (await world.refresh(token)).refresh_token

    assert world.live_session_ids(alice.user.id) == {alice.tokens.session_id}


async def test_an_unknown_token_is_refused(world: World, alice: RegisterUserResult) -> None:
    before = world.footprint()

    with pytest.raises(InvalidRefreshToken) as raised:
        await world.refresh(alice.tokens.refresh_token + "x")

    assert raised.value.code == "invalid_refresh_token"
    assert world.footprint() == before


@pytest.mark.parametrize(
    ("age", "expired"),
    [
        (REFRESH_TTL - timedelta(microseconds=1), False),
        (REFRESH_TTL, True),
        (REFRESH_TTL * 2, True),
    ],
    ids=["just-before", "at-expiry", "long-after"],
)
async def test_a_refresh_token_expires_after_its_lifetime(
    world: World, alice: RegisterUserResult, age: timedelta, expired: bool
) -> None:
    world.clock.advance(age)

    if expired:
        with pytest.raises(RefreshTokenExpired) as raised:
            await world.refresh(alice.tokens.refresh_token)
        assert raised.value.code == "refresh_token_expired"
        assert not world.stored_token(alice.tokens.refresh_token).is_rotated
    else:
        await world.refresh(alice.tokens.refresh_token)


@pytest.mark.parametrize("delay", [timedelta(0), timedelta(seconds=1), GRACE])
async def test_a_token_presented_again_within_the_grace_window_revokes_nothing(
    world: World, alice: RegisterUserResult, delay: timedelta
) -> None:
    newest = await world.refresh(alice.tokens.refresh_token)
    world.clock.advance(delay)

    with pytest.raises(RefreshTokenRotated) as raised:
        await world.refresh(alice.tokens.refresh_token)

    assert raised.value.code == "refresh_token_rotated"
    assert not world.stored_session(alice.tokens.session_id).is_revoked
    await world.refresh(newest.refresh_token)


@pytest.mark.parametrize(
    "delay", [GRACE + timedelta(microseconds=1), GRACE + timedelta(seconds=1), timedelta(days=29)]
)
async def test_a_token_presented_again_after_the_grace_window_revokes_its_session(
    world: World, alice: RegisterUserResult, delay: timedelta
) -> None:
    other_session = await world.log_in_as("alice")
    bob = await world.sign_up("bob")
    newest = await world.refresh(alice.tokens.refresh_token)
    world.clock.advance(delay)

    with pytest.raises(RefreshTokenReused) as raised:
        await world.refresh(alice.tokens.refresh_token)

    assert raised.value.code == "refresh_token_reused"
    assert world.stored_session(alice.tokens.session_id).revoked_at == world.clock.now()
    with pytest.raises(InvalidRefreshToken):
        await world.refresh(newest.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        await world.refresh(alice.tokens.refresh_token)
    # Other sessions, of the same user or not, are not part of the theft.
    assert world.live_session_ids(alice.user.id) == {other_session.session_id}
    await world.refresh(other_session.refresh_token)
    await world.refresh(bob.tokens.refresh_token)


async def test_reuse_of_an_older_ancestor_also_revokes_the_session(
    world: World, alice: RegisterUserResult
) -> None:
    middle = await world.refresh(alice.tokens.refresh_token)
    world.clock.advance(minutes=1)
    newest = await world.refresh(middle.refresh_token)
    world.clock.advance(minutes=1)

    with pytest.raises(RefreshTokenReused):
        await world.refresh(alice.tokens.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        await world.refresh(newest.refresh_token)


async def test_a_deactivated_users_token_is_refused(
    world: World, alice: RegisterUserResult
) -> None:
    world.deactivate(alice.user.id)

    with pytest.raises(InvalidRefreshToken):
        await world.refresh(alice.tokens.refresh_token)

    assert not world.stored_token(alice.tokens.refresh_token).is_rotated


async def test_a_logged_out_sessions_token_is_refused(
    world: World, alice: RegisterUserResult
) -> None:
    await world.logout(alice.tokens.refresh_token)

    with pytest.raises(InvalidRefreshToken) as raised:
        await world.refresh(alice.tokens.refresh_token)

    assert type(raised.value) is InvalidRefreshToken


class InterleavingSessions(InMemorySessionRepository):
    """Lets the event loop switch requests after each token lookup, as a database would."""

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        token = await super().get_token_by_hash(token_hash)
        await asyncio.sleep(0)
        return token


async def test_of_two_concurrent_rotations_exactly_one_succeeds(
    world: World, alice: RegisterUserResult
) -> None:
    sessions = InterleavingSessions(world.store)
    rotate = (await world.replacing(override(SessionRepository, sessions))).rotate
    command = RotateRefreshTokenCommand(refresh_token=alice.tokens.refresh_token)

    results = await asyncio.gather(rotate(command), rotate(command), return_exceptions=True)

    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], RefreshTokenRotated)
    assert len(world.store.refresh_tokens) == 2
    assert not world.stored_session(alice.tokens.session_id).is_revoked


async def test_new_lifetimes_apply_to_the_next_rotation(
    world: World, alice: RegisterUserResult, admin: User
) -> None:
    await world.change_settings(
        admin.id, access_token_ttl_seconds=300, refresh_token_ttl_seconds=7200
    )

    new = await world.refresh(alice.tokens.refresh_token)

    assert (new.expires_in, new.refresh_expires_in) == (300, 7200)
    assert world.stored_token(new.refresh_token).expires_at == world.clock.now() + timedelta(
        hours=2
    )
    world.clock.advance(hours=2)
    with pytest.raises(RefreshTokenExpired):
        await world.refresh(new.refresh_token)


async def test_a_longer_grace_window_applies_once_changed(
    world: World, alice: RegisterUserResult, admin: User
) -> None:
    await world.change_settings(admin.id, refresh_reuse_grace_seconds=60)
    newest = await world.refresh(alice.tokens.refresh_token)
    world.clock.advance(seconds=45)

    with pytest.raises(RefreshTokenRotated):
        await world.refresh(alice.tokens.refresh_token)

    await world.refresh(newest.refresh_token)


async def test_a_grace_window_shortened_to_zero_applies_once_changed(
    world: World, alice: RegisterUserResult, admin: User
) -> None:
    await world.change_settings(admin.id, refresh_reuse_grace_seconds=0)
    await world.refresh(alice.tokens.refresh_token)
    world.clock.advance(seconds=1)

    with pytest.raises(RefreshTokenReused):
        await world.refresh(alice.tokens.refresh_token)
