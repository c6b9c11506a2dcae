"""The schema, as SQLAlchemy Core tables; Alembic migrations create it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def CodePointString(length: int) -> String:
    """Compared in code point order on PostgreSQL too (its "C" collation), as on SQLite and
    in Python: a range ``>= prefix AND < next`` is then exactly the strings with that prefix."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


CodePointText = Text().with_variant(Text(collation="C"), "postgresql")


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(30), nullable=False),
    # Code point order on PostgreSQL too, as on SQLite: ``/search/users``' prefix ranges.
    Column("username_canonical", CodePointString(30), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("email_canonical", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("first_name", String(150), nullable=False, server_default=""),
    Column("last_name", String(150), nullable=False, server_default=""),
    Column("bio", String(160), nullable=False, server_default=""),
    Column("avatar", String(100), nullable=True),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_login", UtcDateTime, nullable=True),
    Column("password_changed_at", UtcDateTime, nullable=True),
    Column("deactivated_at", UtcDateTime, nullable=True),
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("tweets_count", Integer, nullable=False, server_default="0"),
    # ``domain.search.fold`` of first_name and last_name, for ``/search/users``' prefixes.
    Column("first_name_canonical", CodePointText, nullable=False, server_default=""),
    Column("last_name_canonical", CodePointText, nullable=False, server_default=""),
    Index("ix_users_last_login", "last_login"),
    Index("ix_users_first_name_canonical", "first_name_canonical"),
    Index("ix_users_last_name_canonical", "last_name_canonical"),
    Index(
        "ix_users_deactivated_at",
        "deactivated_at",
        postgresql_where=text("deactivated_at IS NOT NULL"),
        sqlite_where=text("deactivated_at IS NOT NULL"),
    ),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_sessions_user_id", "user_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("parent_id", Id, ForeignKey("refresh_tokens.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("rotated_at", UtcDateTime, nullable=True),
    Index("ix_refresh_tokens_session_id", "session_id"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

tweets = Table(
    "tweets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("author_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("image", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime, nullable=True),
    Column("like_count", Integer, nullable=False, server_default="0"),
    Column("fanned_out", Boolean, nullable=False, server_default=true()),
    # How many times it was edited: an edit is saved only if it is still the number read.
    Column("edit_count", Integer, nullable=False, server_default="0"),
    # Denormalised from tweet_hashtags and tweet_mentions (written with them), so a page of
    # tweets reads its hashtags for free and looks up mentions only when it has some: the
    # folded tags in order, separated by spaces (a tag has none), and how many mentions.
    Column("hashtags", Text, nullable=False, server_default=""),
    Column("mention_count", Integer, nullable=False, server_default="0"),
    Column("repost_count", Integer, nullable=False, server_default="0"),
    # The tweet replied to (no foreign key: a deleted tweet's replies keep naming it), its
    # author when the reply was posted, and how many direct replies this one has.
    Column("in_reply_to_id", Id, nullable=True),
    Column("in_reply_to_user_id", Id, nullable=True),
    Column("reply_count", Integer, nullable=False, server_default="0"),
    # The tweet this one quotes. No foreign key: a quote outlives its original (and keeps
    # its id); ``quote_count`` is derived by the workers (counts.py).
    Column("quoted_tweet_id", Id, nullable=True),
    Column("quote_count", Integer, nullable=False, server_default="0"),
    Index("ix_tweets_author_id_id", "author_id", "id"),
    Index("ix_tweets_in_reply_to_id_id", "in_reply_to_id", "id"),
    # A tweet's quotes, newest first; only quotes are in it.
    Index(
        "ix_tweets_quoted_tweet_id_id",
        "quoted_tweet_id",
        "id",
        postgresql_where=text("quoted_tweet_id IS NOT NULL"),
        sqlite_where=text("quoted_tweet_id IS NOT NULL"),
    ),
    Index(
        "ix_tweets_not_fanned_out",
        "author_id",
        "id",
        postgresql_where=text("NOT fanned_out"),
        sqlite_where=text("NOT fanned_out"),
    ),
)

likes = Table(
    "likes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "tweet_id", name="uq_likes_user_id_tweet_id"),
    Index("ix_likes_tweet_id_id", "tweet_id", "id"),
)

# Who reposted which tweet. ``position`` is taken from the tweets' id sequence when the
# repost is made (``positions.py``), so tweets and reposts order by when each was made.
reposts = Table(
    "reposts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Id, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "tweet_id", name="uq_reposts_user_id_tweet_id"),
    Index("ix_reposts_tweet_id_id", "tweet_id", "id"),
    Index("ix_reposts_user_id_position", "user_id", "position"),
    Index("ix_reposts_position", "position"),
)

follows = Table(
    "follows",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("follower_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("followee_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("follower_id", "followee_id", name="uq_follows_follower_id_followee_id"),
    CheckConstraint("follower_id <> followee_id", name="no_self_follow"),
    Index("ix_follows_followee_id_id", "followee_id", "id"),
    Index("ix_follows_follower_id_id", "follower_id", "id"),
)

# Blocks (API.md "Relationships, safety and attention"): a block separates two accounts
# both ways, so a list probes it in both directions: the unique index for "the viewer
# blocks the author", ``ix_blocks_blocked_id_blocker_id`` for "the author blocks the viewer".
blocks = Table(
    "blocks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("blocker_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("blocked_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("blocker_id", "blocked_id", name="uq_blocks_blocker_id_blocked_id"),
    CheckConstraint("blocker_id <> blocked_id", name="no_self_block"),
    Index("ix_blocks_blocked_id_blocker_id", "blocked_id", "blocker_id"),
    Index("ix_blocks_blocker_id_id", "blocker_id", "id"),
)

# Mutes: only the muter's reads are filtered, while ``expires_at`` (NULL: never) is ahead
# of the reader's clock; ``notifications``: the muted account's notifications go too.
mutes = Table(
    "mutes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("muter_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("muted_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("notifications", Boolean, nullable=False),
    UniqueConstraint("muter_id", "muted_id", name="uq_mutes_muter_id_muted_id"),
    CheckConstraint("muter_id <> muted_id", name="no_self_mute"),
    Index("ix_mutes_muter_id_id", "muter_id", "id"),
)

# Bookmarks: private to their owner, listed most recently bookmarked first.
bookmarks = Table(
    "bookmarks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("user_id", "tweet_id", name="uq_bookmarks_user_id_tweet_id"),
    Index("ix_bookmarks_user_id_id", "user_id", "id"),
    Index("ix_bookmarks_tweet_id", "tweet_id"),
)

# Notifications, derived by the workers: at most one per (recipient, type, actor, tweet)
# ever (``tweet_id`` 0 for a follow). No foreign key to tweets: a deleted tweet's go with a
# worker's job, and reads join the tweets meanwhile.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(10), nullable=False),
    Column("actor_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("tweet_id", Id, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint(
        "user_id", "type", "actor_id", "tweet_id", name="uq_notifications_user_id_type_actor"
    ),
    Index("ix_notifications_user_id_id", "user_id", "id"),
    Index("ix_notifications_user_id_actor_id_id", "user_id", "actor_id", "id"),
    Index("ix_notifications_tweet_id", "tweet_id"),
)

# Per user: notifications up to ``read_up_to`` (an id) are read; ``unread`` counts those
# above it, kept by the workers and by marking read.
notification_marks = Table(
    "notification_marks",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("read_up_to", Id, nullable=False, server_default="0"),
    Column("unread", Integer, nullable=False, server_default="0"),
)

# Uploaded images (API.md "Media"): unattached (tweet_id NULL) until a tweet of the
# uploader's attaches them at a position (0-3); unattached ones expire. ``id`` is random and
# opaque; ``name`` is the stored object's.
media = Table(
    "media",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("uploader_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("content_type", String(50), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("alt", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=True),
    Column("position", Integer, nullable=True),
    CheckConstraint(
        "(tweet_id IS NULL AND position IS NULL)"
        " OR (tweet_id IS NOT NULL AND position BETWEEN 0 AND 3)",
        name="attached_at_a_position",
    ),
    # A tweet's media in order, one per position; and the cascade when a tweet is deleted.
    UniqueConstraint("tweet_id", "position", name="uq_media_tweet_id_position"),
    Index("ix_media_uploader_id", "uploader_id"),  # the cascade when a user is deleted
    # The sweep of expired uploads reads only the unattached ones, oldest first.
    Index(
        "ix_media_unattached_created_at",
        "created_at",
        postgresql_where=text("tweet_id IS NULL"),
        sqlite_where=text("tweet_id IS NULL"),
    ),
)

# Each user's home feed, written when tweets are posted and follows change (fan-out on
# write), so a page is one short index range scan: (user_id, position) descending. An
# entry's position is where it stands in the feed (for a tweet, its id); a tweet is in a
# feed at most once (the primary key, which a tweet's deletion cascades through).
timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Id, nullable=False),
    # Whose repost put the tweet here (NULL: the tweet itself); ``position`` is the repost's.
    Column("reposted_by", Id, nullable=True),
    # Led by the tweet: also the index a tweet's deletion cascades through.
    PrimaryKeyConstraint("tweet_id", "user_id"),
    Index("ix_timeline_entries_user_id_position", "user_id", "position"),
)

# A reader's timeline holds only its newest entries: those past its horizon. Below it, the
# feed is computed when it is read. No row: the timeline holds everything.
timeline_horizons = Table(
    "timeline_horizons",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Id, nullable=False),
)

# The job queue on SQLite (PostgreSQL uses pgqueuer's tables). Times are Unix seconds.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(100), nullable=False),
    Column("payload", Text, nullable=False),  # a JSON object
    Column("dedupe_key", String(200), nullable=True),
    Column("status", String(10), nullable=False),  # queued, running or failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("run_at", Float, nullable=False),
    Column("locked_until", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Index("ix_jobs_status_run_at", "status", "run_at"),
    Index(
        "ix_jobs_dedupe_key",
        "dedupe_key",
        unique=True,
        sqlite_where=text("dedupe_key IS NOT NULL AND status IN ('queued', 'running')"),
    ),
)

# Changes to the counts on users and tweets, written with the fact that changes them (a like,
# a follow, a tweet) instead of updating the counted row, which every writer would then wait
# for; a worker folds them into the counts (adapters/sql/counts.py).
count_changes = Table(
    "count_changes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("counter", String(30), nullable=False),  # e.g. "tweets.like_count"
    Column("subject_id", Id, nullable=False),  # the counted row's id
    Column("delta", Integer, nullable=False),
    Index("ix_count_changes_counter_subject_id", "counter", "subject_id"),
)

# Idempotency-Key records (application/idempotency.py): one per user, endpoint and key; in
# progress while ``status`` is null. Rows older than 24 h are expired and purged.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("endpoint", String(100), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("token", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", Integer, nullable=True),
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
    UniqueConstraint("user_id", "endpoint", "key", name="uq_idempotency_keys_user_id_endpoint_key"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# The versions of a tweet's text that its edits replaced (the current one is the tweet's):
# ``number`` 0 is the original, since the tweet's ``created_at``; version n came with edit n
# (``created_at`` is when). A tweet never edited has none.
tweet_versions = Table(
    "tweet_versions",
    metadata,
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("tweet_id", "number"),
)

# A tweet's mentions (API.md "Mentions and hashtags"), in order of first appearance: whom a
# tweet mentions, and (by the index) the tweets that mention a user.
tweet_mentions = Table(
    "tweet_mentions",
    metadata,
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("tweet_id", "position"),
    Index("ix_tweet_mentions_user_id_tweet_id", "user_id", "tweet_id"),
)

# A tweet's hashtags, folded (NFKC + case folding), in order of first appearance; the index
# serves a tag's page of tweets, newest first.
tweet_hashtags = Table(
    "tweet_hashtags",
    metadata,
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("tag", String(50), nullable=False),  # a folded tag is itself at most 50
    PrimaryKeyConstraint("tweet_id", "position"),
    Index("ix_tweet_hashtags_tag_tweet_id", "tag", "tweet_id"),
)

# The hashtags of recent tweets, with author and time, kept by the workers from
# tweet_hashtags (``TallyTagUses``) for ``/tags/trending``: a page of trends reads only the
# uses of the last 24 h, through the covering index. Tags compare in byte (code point)
# order on PostgreSQL too, as on SQLite and in Python.
tag_uses = Table(
    "tag_uses",
    metadata,
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), nullable=False),
    Column("tag", String(50).with_variant(String(50, collation="C"), "postgresql"), nullable=False),
    Column("author_id", Id, nullable=False),
    Column("used_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("tweet_id", "tag"),
    Index("ix_tag_uses_used_at", "used_at", "tag", "author_id"),
)

# The words of each tweet (``domain.search.index_words``) for ``/search/tweets``, kept by the
# workers (``IndexTweet``); ``version`` is the tweet's ``edit_count`` they were read at, so a
# late job never puts back older words. On PostgreSQL ``document`` is a tsvector with a GIN
# index; on SQLite the table is an FTS5 virtual table of these columns (rowid = tweet_id,
# migration 0014), so no foreign key there: the workers remove a deleted tweet's row.
tweet_search = Table(
    "tweet_search",
    metadata,
    Column("tweet_id", Id, ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text().with_variant(TSVECTOR(), "postgresql"), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_tweet_search_document", "document", postgresql_using="gin"),
)
