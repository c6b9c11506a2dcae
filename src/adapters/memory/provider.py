"""The in-memory adapters as a dishka provider: every use case, with no database."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from adapters.memory.counts import InMemoryCounts
from adapters.memory.deactivations import InMemoryDeactivations
from adapters.memory.health import InMemoryDatabaseHealth
from adapters.memory.idempotency_keys import InMemoryIdempotencyKeys
from adapters.memory.jobs import InMemoryJobQueue, InMemoryJobWorker
from adapters.memory.media import InMemoryMediaRepository
from adapters.memory.notifications import InMemoryNotificationReader, InMemoryNotifications
from adapters.memory.readers import InMemoryQuoteReader, InMemoryTweetReader, InMemoryUserReader
from adapters.memory.relationships import (
    InMemoryBlockRepository,
    InMemoryMuteRepository,
    InMemoryRelationshipReader,
)
from adapters.memory.search import InMemorySearchIndex, InMemoryTweetSearch, InMemoryUserSearch
from adapters.memory.sessions import InMemorySessionRepository
from adapters.memory.settings import InMemorySettingsRepository
from adapters.memory.social import (
    InMemoryBookmarkRepository,
    InMemoryFollowRepository,
    InMemoryHomeTimelines,
    InMemoryLikeRepository,
    InMemoryRepostRepository,
    InMemoryTweetRepository,
)
from adapters.memory.store import MemoryStore
from adapters.memory.threads import InMemoryThreadReader
from adapters.memory.transaction import InMemoryTransactionManager
from adapters.memory.trending_tags import InMemoryTagUses, InMemoryTrendingTags
from adapters.memory.tweet_entities import InMemoryTagReader, InMemoryTweetEntities
from adapters.memory.tweet_history import InMemoryTweetHistory
from adapters.memory.users import InMemoryUserRepository
from application.ports.bookmarks import BookmarkRepository
from application.ports.counts import Counts
from application.ports.deactivations import Deactivations
from application.ports.follows import FollowRepository
from application.ports.health import DatabaseHealth
from application.ports.home_timelines import HomeTimelines
from application.ports.idempotency_keys import IdempotencyKeys
from application.ports.job_queue import JobQueue
from application.ports.job_worker import JobWorker
from application.ports.likes import LikeRepository
from application.ports.media import MediaRepository
from application.ports.notifications import NotificationReader, Notifications
from application.ports.quote_reader import QuoteReader
from application.ports.relationships import BlockRepository, MuteRepository, RelationshipReader
from application.ports.reposts import RepostRepository
from application.ports.search_index import SearchIndex
from application.ports.sessions import SessionRepository
from application.ports.settings import SettingsRepository, StoredSettings
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


class InMemoryProvider(Provider):
    """Stands in for the database providers: the same ports, in the same scopes, over one
    ``MemoryStore`` per container (pass ``store`` to share one between containers)."""

    scope = Scope.REQUEST

    def __init__(self, store: MemoryStore | None = None) -> None:
        super().__init__()
        self._store = store

    @provide(scope=Scope.APP)
    def store(self) -> MemoryStore:
        return self._store if self._store is not None else MemoryStore()

    # As the SQL readers: no per-request state, one each per container.
    tweet_reader = provide(InMemoryTweetReader, provides=TweetReader, scope=Scope.APP)
    user_reader = provide(InMemoryUserReader, provides=UserReader, scope=Scope.APP)
    stored_settings = provide(InMemorySettingsRepository, provides=StoredSettings, scope=Scope.APP)
    deactivations = provide(InMemoryDeactivations, provides=Deactivations, scope=Scope.APP)
    database_health = provide(InMemoryDatabaseHealth, provides=DatabaseHealth, scope=Scope.APP)
    idempotency_keys = provide(InMemoryIdempotencyKeys, provides=IdempotencyKeys, scope=Scope.APP)
    tweet_history = provide(InMemoryTweetHistory, provides=TweetHistory, scope=Scope.APP)
    tag_reader = provide(InMemoryTagReader, provides=TagReader, scope=Scope.APP)
    trending_tags = provide(InMemoryTrendingTags, provides=TrendingTags, scope=Scope.APP)
    thread_reader = provide(InMemoryThreadReader, provides=ThreadReader, scope=Scope.APP)
    quote_reader = provide(InMemoryQuoteReader, provides=QuoteReader, scope=Scope.APP)
    tweet_search = provide(InMemoryTweetSearch, provides=TweetSearch, scope=Scope.APP)
    user_search = provide(InMemoryUserSearch, provides=UserSearch, scope=Scope.APP)
    notification_reader = provide(
        InMemoryNotificationReader, provides=NotificationReader, scope=Scope.APP
    )
    relationship_reader = provide(
        InMemoryRelationshipReader, provides=RelationshipReader, scope=Scope.APP
    )

    user_lookup = provide(InMemoryUserRepository, provides=UserLookup, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def job_worker(self, store: MemoryStore) -> JobWorker:
        return InMemoryJobWorker(store)

    # As the SQL repositories: one set per request.
    users = provide(InMemoryUserRepository, provides=UserRepository)
    sessions = provide(InMemorySessionRepository, provides=SessionRepository)
    settings = provide(InMemorySettingsRepository, provides=SettingsRepository)
    transaction = provide(InMemoryTransactionManager, provides=TransactionManager)
    tweets = provide(InMemoryTweetRepository, provides=TweetRepository)
    likes = provide(InMemoryLikeRepository, provides=LikeRepository)
    reposts = provide(InMemoryRepostRepository, provides=RepostRepository)
    follows = provide(InMemoryFollowRepository, provides=FollowRepository)
    home_timelines = provide(InMemoryHomeTimelines, provides=HomeTimelines)
    job_queue = provide(InMemoryJobQueue, provides=JobQueue)
    counts = provide(InMemoryCounts, provides=Counts)
    media = provide(InMemoryMediaRepository, provides=MediaRepository)
    tweet_entities = provide(InMemoryTweetEntities, provides=TweetEntities)
    tag_uses = provide(InMemoryTagUses, provides=TagUses)
    search_index = provide(InMemorySearchIndex, provides=SearchIndex)
    blocks = provide(InMemoryBlockRepository, provides=BlockRepository)
    bookmarks = provide(InMemoryBookmarkRepository, provides=BookmarkRepository)
    notifications = provide(InMemoryNotifications, provides=Notifications)
    mutes = provide(InMemoryMuteRepository, provides=MuteRepository)
