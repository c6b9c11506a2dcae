"""Search: the words of every tweet (``tweet_search``), and folded names for user prefixes.

``tweet_search`` holds ``domain.search.index_words`` of each tweet's text: on PostgreSQL a
tsvector of those words taken verbatim (``array_to_tsvector``), and the tweet's id bucket
(``!<id >> 13>``, see ``adapters.sql.search``), with a GIN index; on SQLite an
FTS5 table with the ``ascii`` tokenizer, which splits the space-separated words back exactly
as they were (it folds only ASCII letters, which are already folded, and treats every
non-ASCII character as part of a word). So neither database's own word rules decide what
matches, and both match alike. Existing tweets are indexed here, with the rules of the code
running this migration (the index is derived data; the workers keep it from now on).

``users.first_name_canonical`` / ``last_name_canonical``: ``domain.search.fold`` of the names,
indexed, filled here and kept by the user repository. On PostgreSQL these and
``username_canonical`` compare in the "C" collation (code point order, as SQLite), so a
prefix is an index range ``>= q AND < next(q)``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.search import fold, index_words

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CodePointText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

users = sa.table(
    "users",
    sa.column("id", Id),
    sa.column("first_name", sa.Text()),
    sa.column("last_name", sa.Text()),
    sa.column("first_name_canonical", sa.Text()),
    sa.column("last_name_canonical", sa.Text()),
)
tweets = sa.table(
    "tweets",
    sa.column("id", Id),
    sa.column("text", sa.Text()),
    sa.column("edit_count", sa.Integer()),
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for column in ("first_name_canonical", "last_name_canonical"):
        op.add_column("users", sa.Column(column, CodePointText, nullable=False, server_default=""))
    if postgresql:
        op.execute('ALTER TABLE users ALTER COLUMN username_canonical TYPE VARCHAR(30) COLLATE "C"')
    _fold_names()
    op.create_index("ix_users_first_name_canonical", "users", ["first_name_canonical"])
    op.create_index("ix_users_last_name_canonical", "users", ["last_name_canonical"])

    if postgresql:
        op.execute(
            "CREATE TABLE tweet_search ("
            " tweet_id BIGINT NOT NULL,"
            " document TSVECTOR NOT NULL,"
            " version INTEGER NOT NULL,"
            " CONSTRAINT pk_tweet_search PRIMARY KEY (tweet_id),"
            " CONSTRAINT fk_tweet_search_tweet_id_tweets FOREIGN KEY (tweet_id)"
            "  REFERENCES tweets (id) ON DELETE CASCADE)"
        )
        _index_tweets(
            "INSERT INTO tweet_search (tweet_id, document, version)"
            " VALUES (:id, array_to_tsvector(array_append(string_to_array(:words, ' '),"
            " '!' || (:id >> 13))), :version)"
        )
        op.execute("CREATE INDEX ix_tweet_search_document ON tweet_search USING gin (document)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE tweet_search USING fts5("
            "tweet_id UNINDEXED, document, version UNINDEXED, tokenize = 'ascii')"
        )
        _index_tweets(
            "INSERT INTO tweet_search (rowid, tweet_id, document, version)"
            " VALUES (:id, :id, :words, :version)"
        )


def _fold_names() -> None:
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.id, users.c.first_name, users.c.last_name)
            .where(users.c.id > after)
            .order_by(users.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            users.update()
            .where(users.c.id == sa.bindparam("user_id"))
            .values(
                first_name_canonical=sa.bindparam("first"),
                last_name_canonical=sa.bindparam("last"),
            ),
            [
                {"user_id": row.id, "first": fold(row.first_name), "last": fold(row.last_name)}
                for row in rows
            ],
        )
        after = rows[-1].id


def _index_tweets(insert: str) -> None:
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(tweets.c.id, tweets.c.text, tweets.c.edit_count)
            .where(tweets.c.id > after)
            .order_by(tweets.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.text(insert),
            [
                {"id": row.id, "words": " ".join(index_words(row.text)), "version": row.edit_count}
                for row in rows
            ],
        )
        after = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_tweet_search_document", table_name="tweet_search")
        op.execute("ALTER TABLE users ALTER COLUMN username_canonical TYPE VARCHAR(30)")
    op.drop_table("tweet_search")
    op.drop_index("ix_users_last_name_canonical", table_name="users")
    op.drop_index("ix_users_first_name_canonical", table_name="users")
    with op.batch_alter_table("users", recreate="auto") as table:
        table.drop_column("last_name_canonical")
        table.drop_column("first_name_canonical")
