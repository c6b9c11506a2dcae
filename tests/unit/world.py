"""A small in-memory "world": every use case wired to the memory adapters and a manual clock."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from adapters.jwt_access_tokens import JwtAccessTokens
from adapters.memory.attempt_log import InMemoryAttemptLog
from adapters.memory.clock import ManualClock
from adapters.memory.passwords import FixedCommonPasswords, PlainPasswordHasher
from adapters.memory.sessions import InMemorySessionRepository
from adapters.memory.settings import InMemorySettingsRepository
from adapters.memory.store import MemoryStore
from adapters.memory.transaction import InMemoryTransactionManager
from adapters.memory.users import InMemoryUserRepository
from adapters.settings_cache import CachedSettingsReader, SettingsCache
from application.accounts import AccountOpener
from application.password_policy import PasswordPolicy
from application.ports.access_tokens import AccessClaims
from application.throttle import Throttle
from application.token_issuer import TokenIssuer, TokenPair
from application.use_cases.create_superuser import CreateSuperuser, CreateSuperuserCommand
from application.use_cases.get_current_user import GetCurrentUser
from application.use_cases.get_settings import GetSettings
from application.use_cases.log_in import LogIn, LogInCommand
from application.use_cases.log_out import LogOut, LogOutCommand
from application.use_cases.log_out_everywhere import LogOutEverywhere
from application.use_cases.register_user import (
    RegisterUser,
    RegisterUserCommand,
    RegisterUserResult,
)
from application.use_cases.rotate_refresh_token import (
    RotateRefreshToken,
    RotateRefreshTokenCommand,
)
from application.use_cases.update_current_user import UpdateCurrentUser
from application.use_cases.update_settings import UpdateSettings, UpdateSettingsCommand
from domain.sessions import RefreshToken, Session
from domain.users import User

SECRET = b"unit-tests-only-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
COMMON_PASSWORDS = frozenset({"password", "12345678", "iloveyou1", "qwertyuiop"})


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

        self.accounts = AccountOpener(self.users, self.hasher, self.policy)
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
        self.log_out_everywhere = LogOutEverywhere(self.sessions, self.clock, self.tx)
        self.get_current_user = GetCurrentUser(self.users)
        self.update_current_user = UpdateCurrentUser(
            self.users, self.sessions, self.hasher, self.policy, self.clock, self.tx
        )
        self.get_settings = GetSettings(self.users, self.settings_repository)
        self.update_settings = UpdateSettings(self.users, self.settings_repository, self.tx)
        self.create_superuser = CreateSuperuser(self.accounts, self.clock, self.tx)

    def log_in_with(self, hasher: PlainPasswordHasher) -> LogIn:
        """The login use case of a deployment whose hasher is ``hasher``."""
        return LogIn(
            self.users, hasher, self.issuer, self.throttle, self.settings, self.clock, self.tx
        )

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

    def footprint(self) -> tuple[int, int, int, int]:
        """How much is stored and committed: unchanged by a use case that failed."""
        return (
            len(self.store.users),
            len(self.store.sessions),
            len(self.store.refresh_tokens),
            self.store.commits,
        )
