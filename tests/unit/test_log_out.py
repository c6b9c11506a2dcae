from __future__ import annotations

from datetime import timedelta

import pytest

from application.use_cases.log_out_everywhere import LogOutEverywhereCommand
from application.use_cases.register_user import RegisterUserResult
from domain.errors import InvalidRefreshToken
from tests.unit.world import World


async def test_log_out_revokes_the_session(world: World, alice: RegisterUserResult) -> None:
    other = await world.log_in_as("alice")
    world.clock.advance(minutes=1)
    commits = world.store.commits

    await world.logout(alice.tokens.refresh_token)

    assert world.stored_session(alice.tokens.session_id).revoked_at == world.clock.now()
    assert world.store.commits == commits + 1
    with pytest.raises(InvalidRefreshToken):
        await world.refresh(alice.tokens.refresh_token)
    assert world.live_session_ids(alice.user.id) == {other.session_id}
    await world.refresh(other.refresh_token)


async def test_log_out_with_the_newest_token_of_a_rotated_session(
    world: World, alice: RegisterUserResult
) -> None:
    newest = await world.refresh(alice.tokens.refresh_token)

    await world.logout(newest.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        await world.refresh(newest.refresh_token)


async def test_an_expired_but_current_token_still_ends_its_session(
    world: World, alice: RegisterUserResult
) -> None:
    world.clock.advance(timedelta(days=31))

    await world.logout(alice.tokens.refresh_token)

    assert world.stored_session(alice.tokens.session_id).is_revoked


async def test_log_out_with_an_unknown_token_fails(world: World, alice: RegisterUserResult) -> None:
    before = world.footprint()

    with pytest.raises(InvalidRefreshToken) as raised:
        await world.logout("no-such-token")

    assert raised.value.code == "invalid_refresh_token"
    assert world.footprint() == before


async def test_log_out_with_a_rotated_away_token_fails_and_revokes_nothing(
    world: World, alice: RegisterUserResult
) -> None:
    newest = await world.refresh(alice.tokens.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        await world.logout(alice.tokens.refresh_token)

    assert not world.stored_session(alice.tokens.session_id).is_revoked
    await world.refresh(newest.refresh_token)


async def test_logging_out_twice_fails_the_second_time(
    world: World, alice: RegisterUserResult
) -> None:
    await world.logout(alice.tokens.refresh_token)
    revoked_at = world.stored_session(alice.tokens.session_id).revoked_at
    world.clock.advance(minutes=1)

    with pytest.raises(InvalidRefreshToken):
        await world.logout(alice.tokens.refresh_token)

    assert world.stored_session(alice.tokens.session_id).revoked_at == revoked_at


async def test_log_out_everywhere_revokes_every_session_of_the_user_only(
    world: World, alice: RegisterUserResult
) -> None:
    second = await world.log_in_as("alice")
    third = await world.log_in_as("alice")
    rotated = await world.refresh(third.refresh_token)
    bob = await world.sign_up("bob")
    commits = world.store.commits

    await world.log_out_everywhere(LogOutEverywhereCommand(user_id=alice.user.id))

    assert world.live_session_ids(alice.user.id) == set()
    assert world.store.commits == commits + 1
    for token in (alice.tokens.refresh_token, second.refresh_token, rotated.refresh_token):
        with pytest.raises(InvalidRefreshToken):
            await world.refresh(token)
    assert world.live_session_ids(bob.user.id) == {bob.tokens.session_id}
    await world.refresh(bob.tokens.refresh_token)


async def test_log_in_after_log_out_everywhere_works(
    world: World, alice: RegisterUserResult
) -> None:
    await world.log_out_everywhere(LogOutEverywhereCommand(user_id=alice.user.id))

    fresh = await world.log_in_as("alice")

    assert world.live_session_ids(alice.user.id) == {fresh.session_id}
    await world.refresh(fresh.refresh_token)
