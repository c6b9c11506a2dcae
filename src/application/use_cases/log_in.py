from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from application.throttle import Throttle
from application.token_issuer import TokenIssuer, TokenPair
from domain.errors import InvalidCredentials, TooManyAttempts, ValidationError
from domain.settings import (
    LOGIN_FAILURES_PER_ACCOUNT_WINDOW,
    LOGIN_FAILURES_PER_ADDRESS_WINDOW,
)


@dataclass(frozen=True, slots=True)
class LogInCommand:
    password: str = field(repr=False)
    username: str | None = None
    email: str | None = None
    client_address: str = "unknown"


class LogIn:
    """Exchange a username or email and a password for a new session's token pair.

    - Exactly one of username or email (case-insensitive).
    - Unknown account, wrong password and deactivated account all fail the same way,
      after the same hashing work.
    - Records ``last_login``; upgrades a hash made with weaker parameters.
    - Failures are throttled per account and per client address (runtime settings
      ``login_failures_per_account`` / ``_per_address``): past either, ``too_many_attempts``
      before any password is checked. A success clears the account's failures.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        throttle: Throttle,
        settings: SettingsReader,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._throttle = throttle
        self._settings = settings
        self._users = users
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: LogInCommand) -> TokenPair:
        now = self._clock.now()
        if (command.username is None) == (command.email is None):
            raise ValidationError.single("username", "give exactly one of username or email")
        identifier = command.username if command.username is not None else command.email or ""
        user = (
            await self._users.get_by_username(identifier)
            if command.username is not None
            else await self._users.get_by_email(identifier)
        )
        account_key = f"login:user:{user.id}" if user else f"login:unknown:{identifier.lower()}"
        address_key = f"login:address:{command.client_address}"
        await self._admit(account_key, address_key, now)

        if user is None:
            await self._hasher.verify_dummy(command.password)
            raise InvalidCredentials("unknown_account")
        if not await self._hasher.verify(user.password_hash, command.password):
            raise InvalidCredentials("wrong_password", user.id)
        if not user.is_active:
            raise InvalidCredentials("inactive_account", user.id)

        # A success is no failure: it neither counts against the address nor the account.
        await self._throttle.reset(account_key)
        await self._throttle.forget(address_key, now)
        if self._hasher.needs_rehash(user.password_hash):
            upgraded = await self._hasher.hash(command.password)
            await self._users.upgrade_password_hash(user.id, user.password_hash, upgraded)
        user.record_login(now)
        await self._users.update(user)
        tokens = await self._tokens.start_session(user)
        await self._tx.commit()
        return tokens

    async def _admit(self, account_key: str, address_key: str, now: datetime) -> None:
        """Count this attempt as a failure until it succeeds, unless a limit is reached."""
        settings = await self._settings.current()
        await self._throttle.admit(
            account_key,
            settings.login_failures_per_account,
            LOGIN_FAILURES_PER_ACCOUNT_WINDOW,
            now,
        )
        try:
            await self._throttle.admit(
                address_key,
                settings.login_failures_per_address,
                LOGIN_FAILURES_PER_ADDRESS_WINDOW,
                now,
            )
        except TooManyAttempts:
            await self._throttle.forget(account_key, now)
            raise
