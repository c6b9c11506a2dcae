"""The composition root: which adapter serves which port, and in what scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from dishka import (
    AsyncContainer,
    Provider,
    Scope,
    from_context,
    make_async_container,
    provide,
    provide_all,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.argon2_hasher import Argon2PasswordHasher
from adapters.clock import SystemClock
from adapters.common_passwords import ZxcvbnCommonPasswords
from adapters.jwt_access_tokens import JwtAccessTokens
from adapters.memory.attempt_log import InMemoryAttemptLog
from adapters.settings_cache import CachedSettingsReader, SettingsCache
from adapters.sql.engine import create_engine
from adapters.sql.health import SqlDatabaseHealth
from adapters.sql.sessions import SqlSessionRepository
from adapters.sql.settings import SqlSettingsRepository
from adapters.sql.transaction import SqlTransactionManager
from adapters.sql.users import SqlUserRepository
from application.accounts import AccountOpener
from application.password_policy import PasswordPolicy
from application.ports.access_tokens import AccessTokens
from application.ports.attempt_log import AttemptLog
from application.ports.clock import Clock
from application.ports.common_passwords import CommonPasswords
from application.ports.health import DatabaseHealth
from application.ports.password_hasher import PasswordHasher
from application.ports.sessions import SessionRepository
from application.ports.settings import SettingsRepository
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from application.throttle import Throttle
from application.token_issuer import TokenIssuer
from application.use_cases.create_superuser import CreateSuperuser
from application.use_cases.get_current_user import GetCurrentUser
from application.use_cases.get_settings import GetSettings
from application.use_cases.log_in import LogIn
from application.use_cases.log_out import LogOut
from application.use_cases.log_out_everywhere import LogOutEverywhere
from application.use_cases.register_user import RegisterUser
from application.use_cases.rotate_refresh_token import RotateRefreshToken
from application.use_cases.update_current_user import UpdateCurrentUser
from application.use_cases.update_settings import UpdateSettings
from entrypoints.config import AppConfig


class InfrastructureProvider(Provider):
    """Process-wide resources: engine, hasher, token codec, clock, caches."""

    scope = Scope.APP
    config = from_context(provides=AppConfig)

    @provide
    async def engine(self, config: AppConfig) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(config.database_url)
        yield engine
        await engine.dispose()

    @provide
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(engine, expire_on_commit=False)

    @provide(scope=Scope.REQUEST)
    async def session(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            yield session

    @provide
    def password_hasher(self) -> Iterator[PasswordHasher]:
        hasher = Argon2PasswordHasher()
        yield hasher
        hasher.close()

    @provide
    def access_tokens(self, config: AppConfig) -> AccessTokens:
        return JwtAccessTokens(config.jwt_secret)

    clock = provide(SystemClock, provides=Clock)
    common_passwords = provide(ZxcvbnCommonPasswords, provides=CommonPasswords)
    settings_cache = provide(SettingsCache)
    attempt_log = provide(InMemoryAttemptLog, provides=AttemptLog)
    database_health = provide(SqlDatabaseHealth, provides=DatabaseHealth)


class RepositoryProvider(Provider):
    """SQL adapters, one set per request, sharing the request's database session."""

    scope = Scope.REQUEST
    users = provide(SqlUserRepository, provides=UserRepository)
    sessions = provide(SqlSessionRepository, provides=SessionRepository)
    settings = provide(SqlSettingsRepository, provides=SettingsRepository)
    settings_reader = provide(CachedSettingsReader, provides=SettingsReader)
    transaction = provide(SqlTransactionManager, provides=TransactionManager)


class UseCaseProvider(Provider):
    scope = Scope.REQUEST
    password_policy = provide(PasswordPolicy, scope=Scope.APP)
    account_opener = provide(AccountOpener)
    token_issuer = provide(TokenIssuer)
    throttle = provide(Throttle, scope=Scope.APP)
    use_cases = provide_all(
        RegisterUser,
        LogIn,
        RotateRefreshToken,
        LogOut,
        LogOutEverywhere,
        GetCurrentUser,
        UpdateCurrentUser,
        GetSettings,
        UpdateSettings,
        CreateSuperuser,
    )


def core_providers() -> list[Provider]:
    return [InfrastructureProvider(), RepositoryProvider(), UseCaseProvider()]


def make_container(config: AppConfig, *providers: Provider) -> AsyncContainer:
    """The container for ``config``; later providers override earlier ones."""
    return make_async_container(*core_providers(), *providers, context={AppConfig: config})
