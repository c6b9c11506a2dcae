"""Usernames and e-mails compare with only ASCII letters case-folded.

Until now the canonical forms were ``str.lower()``, under which a non-ASCII character can
equal an ASCII one ("\\u212a" KELVIN SIGN lower-cases to "k"), so an address could alias
another's. Usernames were always ASCII (their canonical form cannot change); e-mails could
hold any character, so the rows with a non-ASCII address get their canonical form again.
Folding fewer characters only tells more values apart, so no two rows can collide.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from string import ascii_lowercase, ascii_uppercase

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule as of this revision (domain.users.canonical_email may change later).
_ASCII_LOWER = str.maketrans(ascii_uppercase, ascii_lowercase)
_BATCH = 1000

users = sa.table(
    "users",
    sa.column("id", sa.BigInteger()),
    sa.column("email", sa.String()),
    sa.column("email_canonical", sa.String()),
)


def upgrade() -> None:
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.id, users.c.email, users.c.email_canonical)
            .where(users.c.id > after)
            .order_by(users.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        changes = [
            {"row_id": row.id, "canonical": row.email.translate(_ASCII_LOWER)}
            for row in rows
            if row.email.translate(_ASCII_LOWER) != row.email_canonical
        ]
        if changes:
            connection.execute(
                sa.update(users)
                .where(users.c.id == sa.bindparam("row_id"))
                .values(email_canonical=sa.bindparam("canonical")),
                changes,
            )


def downgrade() -> None:
    """Nothing to undo: folding with ``str.lower()`` again would bring back the aliases (and
    could collide); an ASCII address's canonical form is the same under both rules."""
