"""Checks that need the database's word on who the caller is."""

from __future__ import annotations

from application.ports.relationships import BlockRepository
from application.ports.user_lookup import UserLookup
from domain.errors import AdminRequired, Blocked, InvalidAccessToken
from domain.users import User


async def active_user(users: UserLookup, user_id: int) -> User:
    """The caller's account; a token of a deleted or deactivated account is invalid."""
    user = await users.get(user_id)
    if user is None or not user.is_active:
        raise InvalidAccessToken
    return user


async def active_admin(users: UserLookup, user_id: int) -> User:
    """The caller's account, which must be an administrator right now."""
    user = await active_user(users, user_id)
    if not user.is_admin:
        raise AdminRequired
    return user


async def unblocked(blocks: BlockRepository, user_id: int, other_id: int) -> None:
    """Refuses (``blocked``) what a block between the two accounts forbids: following,
    and liking, reposting, bookmarking, replying to or quoting the other's tweets."""
    if user_id != other_id and await blocks.between(user_id, other_id):
        raise Blocked
