"""The composition root: which adapter serves which port, and in what scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from dishka import (
    AnyOf,
    AsyncContainer,
    Provider,
    Scope,
    from_context,
    make_async_container,
    provide,
)
from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.argon2_hasher import Argon2PasswordHasher
from adapters.cached_access_tokens import CachedAccessTokens
from adapters.clock import SystemClock
from adapters.common_passwords import ZxcvbnCommonPasswords
from adapters.deactivation_cache import DeactivationCache
from adapters.jwt_access_tokens import JwtAccessTokens
from adapters.local_media_storage import LocalMediaStorage
from adapters.memory.attempt_log import InMemoryAttemptLog
from adapters.memory.provider import InMemoryProvider
from adapters.memory.recent_writes import InMemoryRecentWrites
from adapters.memory.shared_state_health import InProcessStateHealth
from adapters.memory.store import MemoryStore
from adapters.pgqueuer_jobs import PgQueuerJobQueue, PgQueuerJobWorker
from adapters.pillow_images import PillowImageProcessor
from adapters.redis_attempt_log import RedisAttemptLog
from adapters.redis_health import RedisStateHealth
from adapters.redis_recent_writes import RedisRecentWrites
from adapters.redis_settings_cache import RedisSettingsCache
from adapters.s3_media_storage import S3MediaStorage
from adapters.settings_cache import CachedSettingsReader, SettingsCache, SettingsCopy
from adapters.sql.blocks import SqlBlockRepository, SqlMuteRepository
from adapters.sql.bookmarks import SqlBookmarkRepository
from adapters.sql.counts import SqlCounts
from adapters.sql.database import Database, ReadConnections, Reads
from adapters.sql.deactivations import SqlDeactivations
from adapters.sql.engine import create_engine
from adapters.sql.follows import SqlFollowRepository
from adapters.sql.health import SqlDatabaseHealth
from adapters.sql.home_timelines import SqlHomeTimelines
from adapters.sql.hosts import asyncpg_dsns
from adapters.sql.idempotency_keys import SqlIdempotencyKeys
from adapters.sql.job_queue import JobSignal, SqliteJobQueue, SqliteJobWorker
from adapters.sql.likes import SqlLikeRepository
from adapters.sql.media import SqlMediaRepository
from adapters.sql.notifications import SqlNotificationReader, SqlNotifications
from adapters.sql.quote_reader import SqlQuoteReader
from adapters.sql.relationships import SqlRelationshipReader
from adapters.sql.replicas import Replica, RoutedReads
from adapters.sql.reposts import SqlRepostRepository
from adapters.sql.search import SqlSearchIndex, SqlTweetSearch, SqlUserSearch
from adapters.sql.sessions import SqlSessionRepository
from adapters.sql.settings import SqlSettingsRepository, SqlStoredSettings
from adapters.sql.tag_reader import SqlTagReader
from adapters.sql.threads import SqlThreadReader
from adapters.sql.trending_tags import SqlTagUses, SqlTrendingTags
from adapters.sql.tweet_entities import SqlTweetEntities
from adapters.sql.tweet_history import SqlTweetHistory
from adapters.sql.tweet_reader import SqlTweetReader
from adapters.sql.tweets import SqlTweetRepository
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.sql.user_reader import SqlUserReader
from adapters.sql.users import SqlUserLookup, SqlUserRepository
from application.ports.access_tokens import AccessTokens
from application.ports.attempt_log import AttemptLog
from application.ports.bookmarks import BookmarkRepository
from application.ports.clock import Clock
from application.ports.common_passwords import CommonPasswords
from application.ports.counts import Counts
from application.ports.deactivation_publisher import DeactivationPublisher
from application.ports.deactivations import Deactivations
from application.ports.follows import FollowRepository
from application.ports.health import DatabaseHealth
from application.ports.home_timelines import HomeTimelines
from application.ports.idempotency_keys import IdempotencyKeys
from application.ports.image_processor import ImageProcessor
from application.ports.job_queue import JobQueue
from application.ports.job_worker import JobWorker
from application.ports.likes import LikeRepository
from application.ports.media import MediaRepository
from application.ports.media_storage import MediaStorage
from application.ports.notifications import NotificationReader, Notifications
from application.ports.password_hasher import PasswordHasher
from application.ports.quote_reader import QuoteReader
from application.ports.recent_writes import RecentWrites
from application.ports.relationships import BlockRepository, MuteRepository, RelationshipReader
from application.ports.reposts import RepostRepository
from application.ports.revoked_tokens import RevokedTokens
from application.ports.search_index import SearchIndex
from application.ports.sessions import SessionRepository
from application.ports.settings import SettingsRepository, StoredSettings
from application.ports.settings_publisher import SettingsPublisher
from application.ports.settings_reader import SettingsReader
from application.ports.shared_state_health import SharedStateHealth
from application.ports.tag_reader import TagReader
from application.ports.thread_reader import ThreadReader
from application.ports.transaction import TransactionManager
from application.ports.trending_tags import TagUses, TrendingTags
from application.ports.tweet_entities import TweetEntities
from application.ports.tweet_history import TweetHistory
from application.ports.tweet_reader import TweetReader
from application.ports.tweet_search import TweetSearch
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.ports.user_reader import UserReader
from application.ports.user_search import UserSearch
from application.ports.users import UserRepository
from application.read_routing import ReadYourWrites
from entrypoints.config import AppConfig
from entrypoints.metrics import PoolObserver, report_read_replica
from entrypoints.redis_client import redis_client
from entrypoints.use_cases import UseCaseProvider


class DatabaseProvider(Provider):
    """The database: engine, read connections and what reads through them.

    ``InMemoryProvider`` (with no ``RepositoryProvider``) stands in for both.
    """

    scope = Scope.APP
    config = from_context(provides=AppConfig)

    @provide
    async def engine(self, config: AppConfig) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            config.database_url,
            connect_timeout=config.db_connect_timeout,
            statement_timeout=config.db_statement_timeout,
            pool_timeout=config.db_pool_timeout,
        )
        pool_metrics = PoolObserver(engine)
        yield engine
        pool_metrics.close()
        await engine.dispose()

    @provide
    async def database(self, engine: AsyncEngine) -> AsyncIterator[Database]:
        database = Database(engine)
        yield database
        await database.close()

    @provide
    def read_connections(self, database: Database) -> ReadConnections:
        return database.reads

    @provide(provides=Reads)
    async def routed_reads(
        self, database: Database, config: AppConfig
    ) -> AsyncIterator[RoutedReads]:
        """Reads that may lag: on the replicas of ``CHIRP_READ_REPLICA_URLS`` when a request
        allows it, else (and with no replica) on ``read_connections``."""
        replicas = [
            Replica(
                Database(
                    create_engine(
                        url,
                        connect_timeout=config.db_connect_timeout,
                        statement_timeout=config.db_statement_timeout,
                        pool_timeout=config.db_pool_timeout,
                    ),
                    reads_only=True,
                ),
                name=_servers_of(url),
            )
            for url in config.read_replica_urls
        ]
        reads = RoutedReads(
            database.reads,
            replicas,
            probe_interval=config.replica_probe_interval,
            report=report_read_replica,
        )
        reads.start()
        yield reads
        await reads.close()

    job_signal = provide(JobSignal)

    @provide
    def job_worker(
        self, database: Database, clock: Clock, signal: JobSignal, config: AppConfig
    ) -> JobWorker:
        """pgqueuer on PostgreSQL, the ``jobs`` table on SQLite."""
        if database.dialect.name == "postgresql":
            dsns = asyncpg_dsns(database.engine.url)
            timeout = config.db_statement_timeout
            return PgQueuerJobWorker(database, dsns, statement_timeout=timeout)
        return SqliteJobWorker(database, clock, signal)

    # Readers keep no per-request state: one each per process, on the read connections.
    tweet_reader = provide(SqlTweetReader, provides=TweetReader)
    tweet_history = provide(SqlTweetHistory, provides=TweetHistory)
    tag_reader = provide(SqlTagReader, provides=TagReader)
    thread_reader = provide(SqlThreadReader, provides=ThreadReader)
    trending_tags = provide(SqlTrendingTags, provides=TrendingTags)
    quote_reader = provide(SqlQuoteReader, provides=QuoteReader)
    tweet_search = provide(SqlTweetSearch, provides=TweetSearch)
    user_search = provide(SqlUserSearch, provides=UserSearch)
    relationship_reader = provide(SqlRelationshipReader, provides=RelationshipReader)
    notification_reader = provide(SqlNotificationReader, provides=NotificationReader)
    user_reader = provide(SqlUserReader, provides=UserReader)
    user_lookup = provide(SqlUserLookup, provides=UserLookup)
    stored_settings = provide(SqlStoredSettings, provides=StoredSettings)
    database_health = provide(SqlDatabaseHealth, provides=DatabaseHealth)
    deactivations = provide(SqlDeactivations, provides=Deactivations)
    # Each call its own short transaction, apart from the request's.
    idempotency_keys = provide(SqlIdempotencyKeys, provides=IdempotencyKeys)


def _servers_of(url: str) -> str:
    """``host:port`` of a database URL, or its hosts (``?host=a:1&host=b:2``), for logs and
    metrics: never its credentials."""
    parsed = make_url(url)
    if parsed.host:
        return f"{parsed.host}:{parsed.port or 5432}"
    hosts = parsed.query.get("host", ())
    return ",".join([hosts] if isinstance(hosts, str) else hosts) or "localhost:5432"


class InfrastructureProvider(Provider):
    """Process-wide resources other than the database: hasher, token codec, clock, caches."""

    scope = Scope.APP
    config = from_context(provides=AppConfig)

    @provide
    def password_hasher(self, config: AppConfig) -> Iterator[PasswordHasher]:
        hasher = Argon2PasswordHasher(threads=config.hash_threads)
        yield hasher
        hasher.close()

    @provide
    def image_processor(self) -> Iterator[ImageProcessor]:
        images = PillowImageProcessor()
        yield images
        images.close()

    @provide
    def media_storage(self, config: AppConfig) -> MediaStorage:
        store = config.media_store
        if store is not None:
            return S3MediaStorage(store.bucket, endpoint=store.endpoint, region=store.region)
        return LocalMediaStorage(config.media_dir)

    @provide
    def access_tokens(self, config: AppConfig) -> AccessTokens:
        return CachedAccessTokens(JwtAccessTokens(config.jwt_secret))

    clock = provide(SystemClock, provides=Clock)
    common_passwords = provide(ZxcvbnCommonPasswords, provides=CommonPasswords)
    # Deactivated accounts' tokens: in this process, refreshed from the database.
    revoked_tokens = provide(
        DeactivationCache, provides=AnyOf[RevokedTokens, DeactivationPublisher]
    )
    read_your_writes = provide(ReadYourWrites)
    settings_reader = provide(
        CachedSettingsReader,
        provides=AnyOf[SettingsReader, SettingsPublisher],
        scope=Scope.REQUEST,
    )


class InProcessStateProvider(Provider):
    """Throttling counters and the settings cache in this process: for a single instance."""

    scope = Scope.APP
    settings_cache = provide(SettingsCache, provides=SettingsCopy)
    attempt_log = provide(InMemoryAttemptLog, provides=AttemptLog)
    health = provide(InProcessStateHealth, provides=SharedStateHealth)
    recent_writes = provide(InMemoryRecentWrites, provides=RecentWrites)


class RedisStateProvider(Provider):
    """Throttling counters and the settings cache in Redis, shared by every instance."""

    scope = Scope.APP

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url

    @provide
    async def redis(self) -> AsyncIterator[Redis]:
        async with redis_client(self._url) as client:  # a server, or a Sentinel's master
            yield client

    settings_cache = provide(RedisSettingsCache, provides=SettingsCopy)
    attempt_log = provide(RedisAttemptLog, provides=AttemptLog)
    health = provide(RedisStateHealth, provides=SharedStateHealth)
    recent_writes = provide(RedisRecentWrites, provides=RecentWrites)


def shared_state_provider(config: AppConfig) -> Provider:
    """Redis when ``CHIRP_REDIS_URL`` is set, else this process's memory."""
    if config.redis_url:
        return RedisStateProvider(config.redis_url)
    return InProcessStateProvider()


class RepositoryProvider(Provider):
    """SQL adapters, one set per request, sharing the request's unit of work."""

    scope = Scope.REQUEST

    @provide(provides=AnyOf[SqlUnitOfWork, TransactionManager])
    async def unit_of_work(self, database: Database) -> AsyncIterator[SqlUnitOfWork]:
        uow = SqlUnitOfWork(database)
        yield uow
        await uow.close()

    users = provide(SqlUserRepository, provides=UserRepository)
    sessions = provide(SqlSessionRepository, provides=SessionRepository)
    settings = provide(SqlSettingsRepository, provides=SettingsRepository)
    tweets = provide(SqlTweetRepository, provides=TweetRepository)
    likes = provide(SqlLikeRepository, provides=LikeRepository)
    reposts = provide(SqlRepostRepository, provides=RepostRepository)
    follows = provide(SqlFollowRepository, provides=FollowRepository)
    home_timelines = provide(SqlHomeTimelines, provides=HomeTimelines)
    counts = provide(SqlCounts, provides=Counts)
    media = provide(SqlMediaRepository, provides=MediaRepository)
    tweet_entities = provide(SqlTweetEntities, provides=TweetEntities)
    tag_uses = provide(SqlTagUses, provides=TagUses)
    search_index = provide(SqlSearchIndex, provides=SearchIndex)
    blocks = provide(SqlBlockRepository, provides=BlockRepository)
    bookmarks = provide(SqlBookmarkRepository, provides=BookmarkRepository)
    notifications = provide(SqlNotifications, provides=Notifications)
    mutes = provide(SqlMuteRepository, provides=MuteRepository)

    @provide
    def job_queue(self, uow: SqlUnitOfWork, clock: Clock, signal: JobSignal) -> JobQueue:
        if uow.dialect_name == "postgresql":
            return PgQueuerJobQueue(uow)
        return SqliteJobQueue(uow, clock, signal)


def core_providers() -> list[Provider]:
    return [
        DatabaseProvider(),
        RepositoryProvider(),
        InfrastructureProvider(),
        UseCaseProvider(),
    ]


def in_memory_providers(store: MemoryStore | None = None) -> list[Provider]:
    """``core_providers`` with the in-memory adapters for the database: every use case, with
    no database or Redis (the unit tests, a REPL). Pass ``store`` to share one."""
    return [
        InMemoryProvider(store),
        InfrastructureProvider(),
        InProcessStateProvider(),
        UseCaseProvider(),
    ]


def make_container(config: AppConfig, *providers: Provider) -> AsyncContainer:
    """The container for ``config``; later providers override earlier ones."""
    return make_async_container(
        *core_providers(), shared_state_provider(config), *providers, context={AppConfig: config}
    )
