"""Fixed path segments where a username could otherwise stand (no Litestar needed here:
the CLI's container reads RESERVED_USERNAMES too)."""

from __future__ import annotations

ACTIVE_USERS = "active"  # GET /users/active, beside GET /users/{username}
RELATIONSHIPS = "relationships"  # GET /users/relationships

# Refused as usernames (in any case): such a user's profile would be shadowed by the path.
RESERVED_USERNAMES = frozenset({ACTIVE_USERS, RELATIONSHIPS})
