"""What blocks and mutes hide, as SQL predicates that the statements building a list put in
their WHERE clause: a list leaves the hidden out before it takes a page, so a page is never
short and its cursor stays right.

Each predicate probes an index per row it judges: ``blocks`` in both directions (a block
separates two accounts both ways), ``mutes`` by (muter, muted), a mute counting while its
``expires_at`` (NULL: never) is ahead of ``now``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_

from adapters.sql.tables import blocks, mutes


def blocked_between(viewer: Any, other: Any) -> Any:
    """Whether ``viewer`` blocks ``other`` or ``other`` blocks ``viewer``."""
    return or_(
        exists().where(blocks.c.blocker_id == viewer, blocks.c.blocked_id == other),
        exists().where(blocks.c.blocker_id == other, blocks.c.blocked_id == viewer),
    )


def unblocked(viewer: Any, other: Any) -> Any:
    """Neither blocks the other: two anti-join probes, one per direction."""
    return and_(
        ~exists().where(blocks.c.blocker_id == viewer, blocks.c.blocked_id == other),
        ~exists().where(blocks.c.blocker_id == other, blocks.c.blocked_id == viewer),
    )


def mute_in_force(viewer: Any, other: Any, now: Any) -> Any:
    return and_(
        mutes.c.muter_id == viewer,
        mutes.c.muted_id == other,
        or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > now),
    )


def unmuted(viewer: Any, other: Any, now: Any) -> Any:
    """``viewer`` has no mute of ``other`` in force at ``now``."""
    return ~exists().where(mute_in_force(viewer, other, now))
