"""A small in-memory "world": the app's container with the in-memory adapters and doubles."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from dishka import AsyncContainer, Provider, Scope, make_async_container, provide

from adapters.common_passwords import ZxcvbnCommonPasswords
from adapters.memory.store import MemoryStore
from adapters.settings_cache import SettingsCache, SettingsCopy
from application.accounts import AccountOpener, NewAccount
from application.pagination import Page, PageRequest
from application.ports.access_tokens import AccessClaims, AccessTokens
from application.ports.attempt_log import AttemptLog
from application.ports.clock import Clock
from application.ports.common_passwords import CommonPasswords
from application.ports.deactivation_publisher import DeactivationPublisher
from application.ports.image_processor import ImageProcessor
from application.ports.media_storage import MediaStorage
from application.ports.password_hasher import PasswordHasher
from application.ports.revoked_tokens import RevokedTokens
from application.ports.settings_reader import SettingsReader
from application.ports.tweet_reader import TweetView
from application.ports.user_reader import ProfileView
from application.token_issuer import TokenPair
from application.use_cases.build_feed import BuildFeed, BuildFeedQuery
from application.use_cases.change_user_status import ChangeUserStatus
from application.use_cases.create_superuser import CreateSuperuser, CreateSuperuserCommand
from application.use_cases.delete_tweet import DeleteTweet, DeleteTweetCommand
from application.use_cases.edit_tweet import EditTweet, EditTweetCommand
from application.use_cases.follow_user import FollowCommand, FollowUser
from application.use_cases.get_current_user import GetCurrentUser
from application.use_cases.get_profile import GetProfile, GetProfileQuery
from application.use_cases.get_settings import GetSettings
from application.use_cases.get_tweet import GetTweet, GetTweetQuery
from application.use_cases.like_tweet import LikeCommand, LikeResult, LikeTweet
from application.use_cases.list_active_users import ListActiveUsers
from application.use_cases.list_follows import ListFollowers, ListFollowing
from application.use_cases.list_likers import ListLikers
from application.use_cases.list_user_tweets import ListUserTweets
from application.use_cases.list_users import ListUsers
from application.use_cases.log_in import LogIn, LogInCommand
from application.use_cases.log_out import LogOut, LogOutCommand
from application.use_cases.log_out_everywhere import LogOutEverywhere
from application.use_cases.open_media import OpenMedia
from application.use_cases.post_tweet import PostTweet, PostTweetCommand
from application.use_cases.register_user import (
    RegisterUser,
    RegisterUserCommand,
    RegisterUserResult,
)
from application.use_cases.remove_avatar import RemoveAvatar
from application.use_cases.rotate_refresh_token import (
    RotateRefreshToken,
    RotateRefreshTokenCommand,
)
from application.use_cases.set_avatar import SetAvatar
from application.use_cases.unfollow_user import UnfollowUser
from application.use_cases.unlike_tweet import UnlikeTweet
from application.use_cases.update_current_user import UpdateCurrentUser
from application.use_cases.update_settings import UpdateSettings, UpdateSettingsCommand
from domain.sessions import RefreshToken, Session
from domain.settings import RuntimeSettings
from domain.users import User
from entrypoints.config import AppConfig
from entrypoints.di import in_memory_providers
from entrypoints.worker import run_jobs
from tests.support.doubles import (
    FAKE_IMAGE_PREFIX,
    FakeImageProcessor,
    InMemoryMediaStorage,
    ManualClock,
    PlainTextPasswordHasher,
)
from tests.support.wiring import override

SECRET = b"unit-tests-only-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
# The in-memory adapters stand in for the database: its URL is never read.
CONFIG = AppConfig(database_url="", jwt_secret=SECRET)
# The production list, read once for every test rather than once per container.
COMMON_PASSWORDS = ZxcvbnCommonPasswords()
# What one process holds beyond the database: a world with an adapter swapped keeps these.
PROCESS_STATE: tuple[type[Any], ...] = (
    AccessTokens,
    AttemptLog,
    SettingsCopy,
    RevokedTokens,
    DeactivationPublisher,
)

T = TypeVar("T")
C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


def image_bytes(size: int = 64) -> bytes:
    """``size`` bytes that the FakeImageProcessor accepts as an image."""
    return (FAKE_IMAGE_PREFIX + b"x" * size)[: max(size, len(FAKE_IMAGE_PREFIX))]


class Identified(Protocol):
    @property
    def id(self) -> int: ...


class UseCase(Protocol[C_contra, R_co]):
    async def __call__(self, command: C_contra, /) -> R_co: ...


class InRequest(Generic[C_contra, R_co]):
    """A use case run as the app runs it: each call in a request scope of its own."""

    def __init__(self, container: AsyncContainer, kind: type[UseCase[C_contra, R_co]]) -> None:
        self._container = container
        self._kind = kind

    async def __call__(self, command: C_contra) -> R_co:
        async with self._container() as request:
            use_case = await request.get(self._kind)
            return await use_case(command)


def real_now() -> datetime:
    """Today, to the second: PyJWT checks ``iat`` and ``exp`` against the real clock."""
    return datetime.now(UTC).replace(microsecond=0)


def sha256_hex(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class World:
    """The app's use cases from the app's own container, with the in-memory adapters (one
    ``MemoryStore``, like one database) and test doubles: a manual clock, a plain-text
    hasher, a fake image decoder and files kept in memory.

    ``World.start(override(Port, double))`` swaps more; ``replacing`` swaps one adapter of
    this world; ``another_instance`` is a second app process over the same database.
    """

    def __init__(
        self,
        container: AsyncContainer,
        *,
        store: MemoryStore,
        clock: ManualClock,
        hasher: PlainTextPasswordHasher,
        images: FakeImageProcessor,
        media: InMemoryMediaStorage,
        process_state: Mapping[type[Any], object],
    ) -> None:
        self.container = container
        self.store = store
        self.clock = clock
        self.hasher = hasher
        self.images = images
        self.media = media
        self._process_state = process_state
        self.access_tokens: AccessTokens = process_state[AccessTokens]  # type: ignore[assignment]
        self.revoked_tokens: RevokedTokens = process_state[RevokedTokens]  # type: ignore[assignment]

        self.register = InRequest(container, RegisterUser)
        self.log_in = InRequest(container, LogIn)
        self.rotate = InRequest(container, RotateRefreshToken)
        self.log_out = InRequest(container, LogOut)
        self.log_out_everywhere = InRequest(container, LogOutEverywhere)
        self.get_current_user = InRequest(container, GetCurrentUser)
        self.update_current_user = InRequest(container, UpdateCurrentUser)
        self.get_settings = InRequest(container, GetSettings)
        self.update_settings = InRequest(container, UpdateSettings)
        self.create_superuser = InRequest(container, CreateSuperuser)
        self.post_tweet = InRequest(container, PostTweet)
        self.get_tweet = InRequest(container, GetTweet)
        self.edit_tweet = InRequest(container, EditTweet)
        self.delete_tweet = InRequest(container, DeleteTweet)
        self.like_tweet = InRequest(container, LikeTweet)
        self.unlike_tweet = InRequest(container, UnlikeTweet)
        self.follow_user = InRequest(container, FollowUser)
        self.unfollow_user = InRequest(container, UnfollowUser)
        self.build_feed = InRequest(container, BuildFeed)
        self.get_profile = InRequest(container, GetProfile)
        self.list_user_tweets = InRequest(container, ListUserTweets)
        self.list_followers = InRequest(container, ListFollowers)
        self.list_following = InRequest(container, ListFollowing)
        self.list_likers = InRequest(container, ListLikers)
        self.list_active_users = InRequest(container, ListActiveUsers)
        self.list_users = InRequest(container, ListUsers)
        self.change_user_status = InRequest(container, ChangeUserStatus)
        self.set_avatar = InRequest(container, SetAvatar)
        self.remove_avatar = InRequest(container, RemoveAvatar)
        self.open_media = InRequest(container, OpenMedia)

    @classmethod
    async def start(
        cls,
        *overrides: Provider,
        settings: Mapping[str, int] | None = None,
        store: MemoryStore | None = None,
        clock: ManualClock | None = None,
        media: InMemoryMediaStorage | None = None,
    ) -> World:
        """A world of its own (or over ``store``, ``clock`` and ``media`` when given)."""
        shared = {Clock: clock, MediaStorage: media}
        kept = [override(port, double) for port, double in shared.items() if double is not None]
        if overrides or kept or store is not None:
            runtime = _runtime(store, *kept, *overrides)
        else:
            runtime = _plain_runtime()
        # A fresh APP scope: a store, doubles, counters and caches of this world's own.
        container = await runtime(context={AppConfig: CONFIG}).__aenter__()
        world = cls(
            container,
            store=await container.get(MemoryStore),
            clock=await _double(container, Clock, ManualClock),
            hasher=await _double(container, PasswordHasher, PlainTextPasswordHasher),
            images=await _double(container, ImageProcessor, FakeImageProcessor),
            media=await _double(container, MediaStorage, InMemoryMediaStorage),
            process_state={port: await container.get(port) for port in PROCESS_STATE},
        )
        if settings is not None:
            world.store.settings = dict(settings)
        return world

    async def close(self) -> None:
        await self.container.close()

    async def replacing(self, *overrides: Provider) -> World:
        """This world with some adapters swapped (``override(Port, double)``): the same
        store, clock, files, throttling counters and caches."""
        kept: dict[type[Any], object] = {
            Clock: self.clock,
            PasswordHasher: self.hasher,
            ImageProcessor: self.images,
            MediaStorage: self.media,
            **self._process_state,
        }
        return await World.start(
            *(override(port, instance) for port, instance in kept.items()),
            *overrides,
            store=self.store,
        )

    async def another_instance(self) -> World:
        """A second app process over the same database, clock and files, with caches and
        throttling counters of its own."""
        return await World.start(store=self.store, clock=self.clock, media=self.media)

    # --- doing things -------------------------------------------------------------------

    async def sign_up(
        self,
        username: str = "alice",
        *,
        email: str | None = None,
        password: str = PASSWORD,
    ) -> RegisterUserResult:
        return await self.register(
            RegisterUserCommand(
                username=username,
                email=email or f"{username.lower()}@example.com",
                password=password,
            )
        )

    async def new_admin(self, username: str = "root") -> User:
        return await self.create_superuser(
            CreateSuperuserCommand(
                username=username, email=f"{username}@example.com", password=PASSWORD
            )
        )

    async def log_in_as(self, username: str, password: str = PASSWORD) -> TokenPair:
        return await self.log_in(LogInCommand(password=password, username=username))

    async def refresh(self, refresh_token: str) -> TokenPair:
        return await self.rotate(RotateRefreshTokenCommand(refresh_token=refresh_token))

    async def logout(self, refresh_token: str) -> None:
        await self.log_out(LogOutCommand(refresh_token=refresh_token))

    async def current_settings(self) -> RuntimeSettings:
        """The settings as this process's use cases see them (through its cache)."""
        async with self.container() as request:
            reader: SettingsReader = await request.get(SettingsReader)
            return await reader.current()

    async def change_settings(self, actor_id: int, **changes: object) -> None:
        """Change settings as an admin, then wait until every reader applies them."""
        await self.update_settings(UpdateSettingsCommand(actor_id=actor_id, changes=changes))
        self.clock.advance(SettingsCache.max_age)

    def deactivate(self, user_id: int) -> None:
        self.store.users[user_id].is_active = False

    async def member(self, username: str) -> User:
        """A stored account with no session (no throttling, no login)."""
        async with self.container() as request:
            accounts = await request.get(AccountOpener)
            return await accounts.open(
                NewAccount(
                    username=username, email=f"{username.lower()}@example.com", password=PASSWORD
                ),
                self.clock.now(),
            )

    async def post(
        self, author: User, text: str = "hello", image: bytes | None = None
    ) -> TweetView:
        return await self.post_tweet(PostTweetCommand(author_id=author.id, text=text, image=image))

    async def edit(self, actor: User, tweet_id: int, text: str) -> TweetView:
        return await self.edit_tweet(
            EditTweetCommand(actor_id=actor.id, tweet_id=tweet_id, text=text)
        )

    async def delete(self, actor: User, tweet_id: int) -> None:
        await self.delete_tweet(DeleteTweetCommand(actor_id=actor.id, tweet_id=tweet_id))

    async def like(self, user: User, tweet_id: int) -> LikeResult:
        return await self.like_tweet(LikeCommand(user_id=user.id, tweet_id=tweet_id))

    async def unlike(self, user: User, tweet_id: int) -> LikeResult:
        return await self.unlike_tweet(LikeCommand(user_id=user.id, tweet_id=tweet_id))

    async def follow(self, follower: User, username: str) -> None:
        await self.follow_user(FollowCommand(follower_id=follower.id, username=username))

    async def unfollow(self, follower: User, username: str) -> None:
        await self.unfollow_user(FollowCommand(follower_id=follower.id, username=username))

    async def tweet_as_seen_by(self, tweet_id: int, viewer: User | None) -> TweetView:
        return await self.get_tweet(
            GetTweetQuery(tweet_id=tweet_id, viewer_id=None if viewer is None else viewer.id)
        )

    async def profile(self, username: str, viewer: User | None = None) -> ProfileView:
        return await self.get_profile(
            GetProfileQuery(username=username, viewer_id=None if viewer is None else viewer.id)
        )

    async def run_workers(self) -> None:
        """Do every queued job (derived work: feeds, ...) as the workers would."""
        await run_jobs(self.container, until_empty=True)

    async def feed_ids(self, reader: User, limit: int = 100) -> list[int]:
        """The ids of the first page of ``reader``'s feed, newest first."""
        page = await self.build_feed(BuildFeedQuery(reader_id=reader.id, page=PageRequest(limit)))
        return [tweet.id for tweet in page.items]

    # --- looking at what is stored ------------------------------------------------------

    def stored_user(self, user_id: int) -> User:
        return self.store.users[user_id]

    def stored_session(self, session_id: int) -> Session:
        return self.store.sessions[session_id]

    def stored_token(self, raw: str) -> RefreshToken:
        wanted = sha256_hex(raw)
        (token,) = [t for t in self.store.refresh_tokens.values() if t.token_hash == wanted]
        return token

    def live_session_ids(self, user_id: int) -> set[int]:
        return {
            s.id for s in self.store.sessions.values() if s.user_id == user_id and not s.is_revoked
        }

    def claims(self, access_token: str) -> AccessClaims:
        return self.access_tokens.verify(access_token)

    def stored_tweet_ids(self) -> set[int]:
        return set(self.store.tweets)

    def footprint(self) -> tuple[int, int, int, int]:
        """How much is stored and committed: unchanged by a use case that failed."""
        return (
            len(self.store.users),
            len(self.store.sessions),
            len(self.store.refresh_tokens),
            self.store.commits,
        )


async def walk(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]],
    limit: int,
    between_pages: Callable[[], Awaitable[object]] | None = None,
) -> list[Page[T]]:
    """Every page of a listing, following ``next_cursor``; ``between_pages`` runs between."""
    pages = [await fetch(PageRequest(limit))]
    while pages[-1].next_cursor is not None:
        assert len(pages) <= 1000, "the walk does not end"
        if between_pages is not None:
            await between_pages()
        pages.append(await fetch(PageRequest(limit, pages[-1].next_cursor)))
    return pages


class TestDoubles(Provider):
    """The doubles a world starts with: new ones for each world (each APP scope)."""

    scope = Scope.APP

    @provide
    def clock(self) -> Clock:
        # The access tokens are real JWTs, verified against the real clock: start there.
        return ManualClock(real_now())

    @provide
    def password_hasher(self) -> PasswordHasher:
        return PlainTextPasswordHasher()

    @provide
    def common_passwords(self) -> CommonPasswords:
        return COMMON_PASSWORDS

    @provide
    def image_processor(self) -> ImageProcessor:
        return FakeImageProcessor()

    @provide
    def media_storage(self) -> MediaStorage:
        return InMemoryMediaStorage()


def _runtime(store: MemoryStore | None, *overrides: Provider) -> AsyncContainer:
    """The container of a world, ``overrides`` last; each world enters an APP scope of it."""
    return make_async_container(
        *in_memory_providers(store),
        TestDoubles(),
        *overrides,
        start_scope=Scope.RUNTIME,
    )


@functools.cache
def _plain_runtime() -> AsyncContainer:
    """Built once per test run: making a container costs more than most unit tests."""
    return _runtime(None)


async def _double(container: AsyncContainer, port: type[Any], kind: type[T]) -> T:
    """The test double ``container`` gives as ``port``, as the type a test handles it by."""
    double = await container.get(port)
    assert isinstance(double, kind), f"{port.__name__} is {double!r}, not a {kind.__name__}"
    return double


def ids(items: Iterable[Identified]) -> list[int]:
    return [item.id for item in items]
