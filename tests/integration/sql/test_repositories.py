"""The SQL adapters against the real databases."""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import Database, ReadConnections
from adapters.sql.drivers import GENERIC_PLANS
from adapters.sql.migrate import alembic_config, upgrade
from adapters.sql.sessions import SqlSessionRepository
from adapters.sql.settings import SqlSettingsRepository
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import users as users_table
from adapters.sql.tweet_reader import HOME
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.sql.users import SqlUserLookup, SqlUserRepository
from domain.errors import EmailTaken, UsernameTaken
from domain.sessions import Session
from domain.settings import RuntimeSettings
from domain.users import Profile, User

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
async def database(engine: AsyncEngine) -> AsyncIterator[Database]:
    database = Database(engine)
    yield database
    await database.close()


@pytest.fixture
def reads(database: Database) -> ReadConnections:
    return database.reads


@asynccontextmanager
async def unit_of_work(database: Database) -> AsyncIterator[SqlUnitOfWork]:
    uow = SqlUnitOfWork(database)
    try:
        yield uow
    finally:
        await uow.close()


@pytest.fixture
async def db(database: Database) -> AsyncIterator[SqlUnitOfWork]:
    async with unit_of_work(database) as uow:
        yield uow


def new_user(username: str = "alice", email: str = "alice@example.com") -> User:
    return User(username=username, email=email, password_hash="hash", created_at=NOW)


async def test_users_round_trip_with_case_insensitive_lookups(
    db: SqlUnitOfWork, reads: ReadConnections
) -> None:
    users = SqlUserRepository(db)
    stored = await users.add(new_user("Alice", "Alice@Example.com"))
    await db.commit()

    assert stored.id > 0
    for found in (
        await users.get(stored.id),
        await users.get_by_username("aLiCe"),
        await users.get_by_email("alice@EXAMPLE.com"),
    ):
        assert found == stored
    assert found is not None
    assert found.created_at == NOW
    assert found.created_at.tzinfo is not None
    assert await users.get_by_username("bob") is None
    assert await users.get(stored.id + 1000) is None


@pytest.mark.parametrize(
    ("username", "email", "error"),
    [("ALICE", "other@example.com", UsernameTaken), ("bob", "ALICE@example.com", EmailTaken)],
)
async def test_uniqueness_is_enforced_by_the_database(
    database: Database,
    reads: ReadConnections,
    username: str,
    email: str,
    error: type[Exception],
) -> None:
    async with unit_of_work(database) as first:
        await SqlUserRepository(first).add(new_user())
        await first.commit()
    async with unit_of_work(database) as second:
        with pytest.raises(error):
            await SqlUserRepository(second).add(new_user(username, email))


@pytest.mark.parametrize(
    ("change", "error"),
    [("change_username", UsernameTaken), ("change_email", EmailTaken)],
)
async def test_changing_to_a_taken_username_or_email_is_a_conflict(
    database: Database, change: str, error: type[Exception]
) -> None:
    async with unit_of_work(database) as setup:
        users = SqlUserRepository(setup)
        await users.add(new_user())
        bob = await users.add(new_user("bob", "bob@example.com"))
        await setup.commit()
    taken = {"change_username": "ALICE", "change_email": "Alice@Example.com"}[change]
    async with unit_of_work(database) as uow:
        with pytest.raises(error):
            await getattr(SqlUserRepository(uow), change)(bob.id, taken)


async def test_revoking_all_sessions_can_spare_one(
    db: SqlUnitOfWork, reads: ReadConnections
) -> None:
    users = SqlUserRepository(db)
    alice, bob = await users.add(new_user()), await users.add(new_user("bob", "b@example.com"))
    sessions = SqlSessionRepository(db)
    kept, dropped, others = [
        await sessions.add_session(Session(user_id=owner.id, created_at=NOW))
        for owner in (alice, alice, bob)
    ]
    await sessions.revoke_user_sessions(alice.id, NOW, keep_session_id=kept.id)
    await db.commit()

    async def revoked_at(session_id: int) -> datetime | None:
        found = await sessions.get_session(session_id)
        assert found is not None
        return found.revoked_at

    assert await revoked_at(kept.id) is None
    assert await revoked_at(dropped.id) == NOW
    assert await revoked_at(others.id) is None


async def test_database_errors_carry_no_parameter_values(
    engine: AsyncEngine, database: Database
) -> None:
    """An error's text (a log line's traceback) names the statement, never its values:
    here a password hash, written by a repository and by SQLAlchemy's own execution (as
    migrations use it)."""
    secret = "$argon2id$v=19$m=19456,t=2,p=1$secret-parameter-value"
    async with unit_of_work(database) as first:
        await SqlUserRepository(first).add(new_user())
        await first.commit()
    clash = new_user("ALICE", "other@example.com")
    clash.password_hash = secret
    async with unit_of_work(database) as second:
        with pytest.raises(UsernameTaken) as driver_error:
            await SqlUserRepository(second).add(clash)
    with pytest.raises(IntegrityError) as sqlalchemy_error:
        async with engine.begin() as connection:
            await connection.execute(
                insert(users_table).values(
                    username="ALICE",
                    username_canonical="alice",
                    email="other@example.com",
                    email_canonical="other@example.com",
                    password_hash=secret,
                    created_at=NOW,
                )
            )

    for raised in (driver_error.value, sqlalchemy_error.value):
        logged = "".join(traceback.format_exception(raised))
        assert "INSERT INTO users" in logged  # the statement is there ...
        assert "secret-parameter-value" not in logged  # ... its values are not
        assert "other@example.com" not in logged


async def test_settings_default_then_persist(db: SqlUnitOfWork, reads: ReadConnections) -> None:
    settings = SqlSettingsRepository(db)
    assert await settings.load() == RuntimeSettings()
    await settings.save({"access_token_ttl_seconds": 60})
    await db.commit()
    changed = RuntimeSettings().changed({"access_token_ttl_seconds": 60})
    assert await settings.load() == changed
    await settings.save({"refresh_reuse_grace_seconds": 0, "access_token_ttl_seconds": 90})
    await db.commit()
    assert await settings.load() == changed.changed(
        {"refresh_reuse_grace_seconds": 0, "access_token_ttl_seconds": 90}
    )


async def test_a_unit_of_work_keeps_only_what_it_committed(
    database: Database, reads: ReadConnections
) -> None:
    """The repositories of one unit of work share its transaction: its reads see its
    writes, the read connections (outside it) do not until the commit, and closing it
    uncommitted undoes them."""
    async with unit_of_work(database) as rolled_back:
        user = await SqlUserRepository(rolled_back).add(new_user())
        sessions = SqlSessionRepository(rolled_back)
        first = await sessions.add_session(Session(user_id=user.id, created_at=NOW))
        await sessions.revoke_user_sessions(user.id, NOW)
        found = await sessions.get_session(first.id)
        assert found is not None
        assert found.revoked_at == NOW
        assert await SqlUserLookup(reads).get_by_username("alice") is None
    async with unit_of_work(database) as fresh:
        assert await SqlUserRepository(fresh).get_by_username("alice") is None
        assert await SqlSessionRepository(fresh).get_session(first.id) is None

    async with unit_of_work(database) as committed:
        user = await SqlUserRepository(committed).add(new_user())
        await committed.commit()
    assert await SqlUserLookup(reads).get(user.id) == user


async def test_read_connections_plan_each_statement_once(
    reads: ReadConnections, postgres_only: None
) -> None:
    """On PostgreSQL the kept read connections use generic plans: re-planning the feed on
    every call (PostgreSQL's choice for ``LIMIT $n``) cost more than running it."""
    mode = func.current_setting("plan_cache_mode").label("mode")
    row = await reads.first(ReadQuery(select(mode)))
    assert row is not None
    assert row.mode == "force_generic_plan"


_HEAVY_LIKER = """
INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash,
                   created_at)
SELECT n, 'user' || n, 'user' || n, n || '@example.com', n || '@example.com', 'hash', now()
FROM generate_series(1, 2) AS n;
INSERT INTO tweets (id, author_id, text, created_at)
SELECT n, 2, 'tweet ' || n, now() FROM generate_series(1, 3000) AS n;
INSERT INTO timeline_entries (user_id, tweet_id, position)
SELECT 1, n, n FROM generate_series(1, 3000) AS n;
INSERT INTO likes (user_id, tweet_id, created_at)
SELECT 1, n, now() FROM generate_series(1, 3000, 2) AS n;
ANALYZE users, tweets, timeline_entries, likes;
"""


async def test_a_feed_page_reads_one_like_per_tweet_however_many_the_reader_liked(
    engine: AsyncEngine, postgres_only: None
) -> None:
    """``liked_by_me`` probes the likes of the page's tweets only. (PostgreSQL ran it as a
    hashed subplan that read all 1,500 of this reader's likes for every page.)"""
    page = 21
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute(_HEAVY_LIKER)
        await driver.execute(GENERIC_PLANS)  # as on the read connections
        home = HOME[False].compiled(engine.dialect)
        await driver.execute(f"PREPARE home AS {home.sql}")
        values = home.arguments({"viewer": 1, "limit": page, "now": datetime.now(UTC)})
        arguments = ", ".join(
            f"'{value.isoformat()}'::timestamptz" if isinstance(value, datetime) else str(value)
            for value in values
        )
        explained = await driver.fetchval(
            f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE home({arguments})"
        )
        await connection.rollback()

    def likes_read(node: dict[str, Any]) -> float:
        own = (
            node["Actual Rows"] * node["Actual Loops"]
            if node.get("Relation Name") == "likes"
            else 0
        )
        return own + sum(likes_read(child) for child in node.get("Plans", []))

    plan = explained[0]["Plan"]  # SQLAlchemy's asyncpg dialect decodes json
    assert plan["Actual Rows"] == page
    assert likes_read(plan) <= page


async def test_each_write_sets_only_its_own_columns(
    database: Database, reads: ReadConnections
) -> None:
    """A profile edit that read the user before an admin deactivated it, demoted it and
    changed its password writes the profile without undoing any of those (no write-back of
    what was read), and the renames set their columns and nothing else."""
    async with unit_of_work(database) as setup:
        user_id = (await SqlUserRepository(setup).add(new_user())).id
        await SqlUserRepository(setup).set_admin(user_id, True)
        await setup.commit()
    # The edit reads as UpdateCurrentUser does, outside its transaction.
    editing = await SqlUserLookup(reads).get_by_username("alice")
    assert editing is not None

    async with unit_of_work(database) as admin:
        admins = SqlUserRepository(admin)
        await admins.deactivate(user_id, NOW)
        await admins.set_admin(user_id, False)
        assert await admins.change_password(user_id, "hash", "new-hash", NOW)
        await admin.commit()
    async with unit_of_work(database) as edit:
        edits = SqlUserRepository(edit)
        await edits.change_profile(editing.id, Profile("Alice", "Liddell", "hello"))
        await edits.change_username(editing.id, "Alicia")
        await edits.change_email(editing.id, "alicia@example.com")
        await edit.commit()

    stored = await SqlUserLookup(reads).get(user_id)
    assert stored is not None
    assert (stored.is_active, stored.deactivated_at, stored.is_admin, stored.password_hash) == (
        False,
        NOW,
        False,
        "new-hash",
    )
    assert (stored.first_name, stored.last_name, stored.bio) == ("Alice", "Liddell", "hello")
    assert (stored.username, stored.email) == ("Alicia", "alicia@example.com")
    assert await SqlUserLookup(reads).get_by_username("ALICIA") == stored
    assert await SqlUserLookup(reads).get_by_email("ALICIA@example.com") == stored


async def test_a_reactivation_keeps_when_the_account_was_deactivated(db: SqlUnitOfWork) -> None:
    """Tokens issued before a deactivation stay void after the account is reactivated."""
    users = SqlUserRepository(db)
    user = await users.add(new_user())
    await users.deactivate(user.id, NOW)
    await users.deactivate(user.id, NOW + timedelta(seconds=5))  # already inactive: kept
    await users.reactivate(user.id)
    stored = await users.get(user.id)
    assert stored is not None
    assert (stored.is_active, stored.deactivated_at) == (True, NOW)


async def test_a_password_hash_is_upgraded_only_while_it_is_the_one_verified(
    db: SqlUnitOfWork, reads: ReadConnections
) -> None:
    users = SqlUserRepository(db)
    user = await users.add(new_user())
    await users.upgrade_password_hash(user.id, "another hash", "stale upgrade")
    await users.upgrade_password_hash(user.id, "hash", "upgraded")
    await db.commit()

    stored = await users.get(user.id)
    assert stored is not None
    assert stored.password_hash == "upgraded"


async def test_a_login_is_recorded_only_while_the_hash_it_verified_is_current(
    db: SqlUnitOfWork, reads: ReadConnections
) -> None:
    users = SqlUserRepository(db)
    user = await users.add(new_user())  # its hash is "hash"
    later = NOW + timedelta(seconds=1)

    assert not await users.record_login(user.id, "stale hash", NOW)
    assert await users.record_login(user.id, "hash", NOW)
    assert not await users.change_password(user.id, "stale hash", "new hash", later)
    assert await users.change_password(user.id, "hash", "new hash", later)
    assert not await users.record_login(user.id, "hash", later)
    await db.commit()

    stored = await users.get(user.id)
    assert stored is not None
    assert (stored.password_hash, stored.password_changed_at) == ("new hash", later)
    assert stored.last_login == NOW
    await users.deactivate(user.id, later)
    assert not await users.record_login(user.id, "new hash", later)


async def test_migration_0003_folds_only_ascii_letters_of_stored_emails(
    engine: AsyncEngine, database: Database
) -> None:
    """Rows 0002 stored with ``str.lower()`` canonical forms: a KELVIN SIGN address that
    squatted kate@ frees it and matches only itself; ASCII addresses keep theirs."""
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0002"))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                users_table.insert(),
                [
                    legacy_row("mallory", "\u212aate@Example.com"),
                    legacy_row("kaethe", "K\u00e4the@Example.com"),
                    legacy_row("bob", "Bob@Example.com"),
                ],
            )
    finally:
        await upgrade(engine)

    async with unit_of_work(database) as db:
        users = SqlUserRepository(db)
        kate = await users.add(new_user("kate", "kate@example.com"))
        await db.commit()
        found = {
            address: user.username if (user := await users.get_by_email(address)) else None
            for address in (
                "\u212aATE@example.com",
                "KATE@example.com",
                "K\u00e4THE@example.COM",
                "k\u00c4the@example.com",
                "bob@EXAMPLE.com",
            )
        }
    assert kate.id > 0
    assert found == {
        "\u212aATE@example.com": "mallory",
        "KATE@example.com": "kate",
        "K\u00e4THE@example.COM": "kaethe",
        "k\u00c4the@example.com": None,
        "bob@EXAMPLE.com": "bob",
    }


def legacy_row(username: str, email: str) -> dict[str, Any]:
    """A user as revision 0002's code stored it (canonical forms by ``str.lower()``)."""
    return {
        "username": username,
        "username_canonical": username.lower(),
        "email": email,
        "email_canonical": email.lower(),
        "password_hash": "hash",
        "created_at": NOW,
    }
