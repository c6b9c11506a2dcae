"""A small in-memory "world": every use case wired to the memory adapters and a manual clock."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from adapters.deactivation_cache import DeactivationCache
from adapters.jwt_access_tokens import JwtAccessTokens
from adapters.memory.attempt_log import InMemoryAttemptLog
from adapters.memory.clock import ManualClock
from adapters.memory.deactivations import InMemoryDeactivations
from adapters.memory.media import FAKE_IMAGE_PREFIX, FakeImageProcessor, InMemoryMediaStorage
from adapters.memory.passwords import FixedCommonPasswords, PlainPasswordHasher
from adapters.memory.readers import InMemoryTweetReader, InMemoryUserReader
from adapters.memory.sessions import InMemorySessionRepository
from adapters.memory.settings import InMemorySettingsRepository
from adapters.memory.social import (
    InMemoryFollowRepository,
    InMemoryHomeTimelines,
    InMemoryLikeRepository,
    InMemoryTweetRepository,
)
from adapters.memory.store import MemoryStore
from adapters.memory.transaction import InMemoryTransactionManager
from adapters.memory.users import InMemoryUserRepository
from adapters.settings_cache import CachedSettingsReader, SettingsCache
from application.accounts import AccountOpener, NewAccount
from application.pagination import Page, PageRequest
from application.password_policy import PasswordPolicy
from application.ports.access_tokens import AccessClaims
from application.ports.tweet_reader import TweetView
from application.ports.tweets import TweetRepository
from application.ports.user_reader import ProfileView
from application.ports.users import UserRepository
from application.throttle import Throttle
from application.token_issuer import TokenIssuer, TokenPair
from application.uploads import ImageUploads
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
from domain.users import User

SECRET = b"unit-tests-only-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
COMMON_PASSWORDS = frozenset({"password", "12345678", "iloveyou1", "qwertyuiop"})

T = TypeVar("T")


def image_bytes(size: int = 64) -> bytes:
    """``size`` bytes that the FakeImageProcessor accepts as an image."""
    return (FAKE_IMAGE_PREFIX + b"x" * size)[: max(size, len(FAKE_IMAGE_PREFIX))]


class Identified(Protocol):
    @property
    def id(self) -> int: ...


def real_now() -> datetime:
    """Today, to the second: PyJWT checks ``iat`` and ``exp`` against the real clock."""
    return datetime.now(UTC).replace(microsecond=0)


def sha256_hex(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class World:
    """One shared MemoryStore behind every repository, like one database."""

    def __init__(
        self,
        *,
        settings: Mapping[str, int] | None = None,
        hasher: PlainPasswordHasher | None = None,
    ) -> None:
        self.store = MemoryStore(settings=dict(settings or {}))
        # The access tokens are real JWTs, verified against the real clock: start there.
        self.clock = ManualClock(real_now())
        self.users = InMemoryUserRepository(self.store)
        self.sessions = InMemorySessionRepository(self.store)
        self.settings_repository = InMemorySettingsRepository(self.store)
        self.settings_cache = SettingsCache()
        self.settings = CachedSettingsReader(
            self.settings_repository, self.settings_cache, self.clock
        )
        self.tx = InMemoryTransactionManager(self.store)
        self.hasher = hasher or PlainPasswordHasher()
        self.policy = PasswordPolicy(FixedCommonPasswords(COMMON_PASSWORDS))
        self.access_tokens = JwtAccessTokens(SECRET)
        self.issuer = TokenIssuer(self.sessions, self.access_tokens, self.settings, self.clock)
        self.attempts = InMemoryAttemptLog()
        self.throttle = Throttle(self.attempts)

        self.accounts = AccountOpener(self.users, self.users, self.hasher, self.policy)
        self.register = RegisterUser(
            self.accounts,
            self.issuer,
            self.throttle,
            self.settings,
            self.clock,
            self.tx,
        )
        self.log_in = self.log_in_with(self.hasher)
        self.rotate = RotateRefreshToken(
            self.sessions, self.users, self.settings, self.issuer, self.clock, self.tx
        )
        self.log_out = LogOut(self.sessions, self.clock, self.tx)
        self.log_out_everywhere = LogOutEverywhere(self.sessions, self.clock, self.tx, self.users)
        self.user_reader = InMemoryUserReader(self.store)
        self.get_current_user = GetCurrentUser(self.user_reader)
        self.update_current_user = UpdateCurrentUser(
            self.users, self.users, self.sessions, self.hasher, self.policy, self.clock, self.tx
        )
        self.get_settings = GetSettings(self.users, self.settings_repository)
        self.update_settings = UpdateSettings(
            self.users, self.settings_repository, self.tx, self.settings
        )
        self.create_superuser = CreateSuperuser(self.accounts, self.clock, self.tx)

        self._wire_social()

    def _wire_social(self) -> None:
        """Tweets, likes, follows, feeds, profiles, media and the admin's user management."""
        self.tweets = InMemoryTweetRepository(self.store)
        self.likes = InMemoryLikeRepository(self.store)
        self.follows = InMemoryFollowRepository(self.store)
        self.timelines = InMemoryHomeTimelines(self.store)
        self.tweet_reader = InMemoryTweetReader(self.store)
        self.media = InMemoryMediaStorage()
        self.images = FakeImageProcessor()
        self.uploads = ImageUploads(
            self.images, self.media, self.settings, self.throttle, self.clock
        )
        self.post_tweet = self.post_tweet_with(self.tweets)
        self.get_tweet = GetTweet(self.tweet_reader)
        self.edit_tweet = EditTweet(self.tweets, self.tweet_reader, self.clock, self.tx, self.users)
        self.delete_tweet = DeleteTweet(self.tweets, self.users, self.uploads, self.tx)
        self.like_tweet = LikeTweet(self.tweets, self.likes, self.clock, self.tx, self.users)
        self.unlike_tweet = UnlikeTweet(self.tweets, self.likes, self.tx, self.users)
        self.follow_user = FollowUser(self.users, self.follows, self.timelines, self.clock, self.tx)
        self.unfollow_user = UnfollowUser(self.users, self.follows, self.timelines, self.tx)
        self.build_feed = BuildFeed(self.tweet_reader)
        self.get_profile = GetProfile(self.user_reader)
        self.list_user_tweets = ListUserTweets(self.user_reader, self.tweet_reader)
        self.list_followers = ListFollowers(self.user_reader)
        self.list_following = ListFollowing(self.user_reader)
        self.list_likers = ListLikers(self.tweet_reader)
        self.list_active_users = ListActiveUsers(self.user_reader)
        self.list_users = ListUsers(self.user_reader)
        self.revoked_tokens_source = InMemoryDeactivations(self.store)
        self.revoked_tokens = DeactivationCache(self.revoked_tokens_source, self.clock)
        self.change_user_status = ChangeUserStatus(
            self.users, self.sessions, self.clock, self.tx, self.revoked_tokens
        )
        self.set_avatar = self.set_avatar_with(self.users)
        self.remove_avatar = RemoveAvatar(self.users, self.users, self.uploads, self.tx)
        self.open_media = OpenMedia(self.media)

    def log_in_with(self, hasher: PlainPasswordHasher) -> LogIn:
        """The login use case of a deployment whose hasher is ``hasher``."""
        return LogIn(
            self.users,
            self.users,
            hasher,
            self.issuer,
            self.throttle,
            self.settings,
            self.clock,
            self.tx,
        )

    def post_tweet_with(self, tweets: TweetRepository) -> PostTweet:
        """The posting use case of a deployment whose tweet storage is ``tweets``."""
        return PostTweet(
            tweets, self.timelines, self.uploads, self.tweet_reader, self.clock, self.tx, self.users
        )

    def set_avatar_with(self, users: UserRepository) -> SetAvatar:
        """The avatar use case of a deployment whose account storage is ``users``."""
        return SetAvatar(users, users, self.uploads, self.tx)

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

    async def change_settings(self, actor_id: int, **changes: object) -> None:
        """Change settings as an admin, then wait until every reader applies them."""
        await self.update_settings(UpdateSettingsCommand(actor_id=actor_id, changes=changes))
        self.clock.advance(SettingsCache.max_age)

    def deactivate(self, user_id: int) -> None:
        self.store.users[user_id].is_active = False

    async def member(self, username: str) -> User:
        """A stored account with no session (no throttling, no login)."""
        return await self.accounts.open(
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


def ids(items: Iterable[Identified]) -> list[int]:
    return [item.id for item in items]
