from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256

from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.ports.users import UserRepository
from application.throttle import Throttle
from application.token_issuer import TokenIssuer, TokenPair
from domain.errors import InvalidCredentials, TooManyAttempts, ValidationError
from domain.settings import (
    LOGIN_FAILURES_PER_ACCOUNT_WINDOW,
    LOGIN_FAILURES_PER_ADDRESS_WINDOW,
)
from domain.users import (
    MAX_EMAIL_LENGTH,
    MAX_USERNAME_LENGTH,
    User,
    canonical_email,
    canonical_username,
    is_username,
)


@dataclass(frozen=True, slots=True)
class LogInCommand:
    password: str = field(repr=False)
    username: str | None = None
    email: str | None = None
    client_address: str = "unknown"


class LogIn:
    """Exchange a username or email and a password for a new session's token pair.

    - Exactly one of username or email (case-insensitive); one longer than any account's
      can be (30, 254 characters) is a ``validation_error``.
    - Unknown account, wrong password and deactivated account all fail the same way,
      after the same hashing work.
    - A session starts only if the password verified is still the account's when the login
      is recorded (``last_login``), in one transaction: a login racing a password change
      either is revoked by it or fails. Upgrades a hash made with weaker parameters.
    - Failures are throttled per login name as given (its canonical form: a username and
      an e-mail of one account count apart, so a lockout never tells that they belong
      together) and per client address (runtime settings ``login_failures_per_account`` /
      ``_per_address``): past either, ``too_many_attempts`` before any password is checked
      or account looked up. A success clears the name's failures; an attempt that ends
      for another reason (an outage) is not counted.
    """

    def __init__(
        self,
        accounts: UserLookup,
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
        self._accounts = accounts  # read outside the transaction: none is held while hashing
        self._users = users
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: LogInCommand) -> TokenPair:
        now = self._clock.now()
        account_key = _account_key(command)
        address_key = f"login:address:{command.client_address}"
        await self._admit(account_key, address_key, now)
        try:
            tokens = await self._authenticate(command, now)
        except InvalidCredentials:
            raise
        except BaseException:
            # Not a failed login (the database is down, the request was cancelled, ...):
            # it must not count, or an outage would lock every account out.
            await self._throttle.forget(account_key, now)
            await self._throttle.forget(address_key, now)
            raise
        # A success is no failure: it neither counts against the address nor the account.
        await self._throttle.reset(account_key)
        await self._throttle.forget(address_key, now)
        return tokens

    async def _authenticate(self, command: LogInCommand, now: datetime) -> TokenPair:
        """The new session's tokens, committed; ``InvalidCredentials`` if there is none."""
        user = await self._find(command)
        if user is None:
            await self._hasher.verify_dummy(command.password)
            raise InvalidCredentials("unknown_account")
        if not await self._hasher.verify(user.password_hash, command.password):
            raise InvalidCredentials("wrong_password", user.id)
        if not user.is_active:
            raise InvalidCredentials("inactive_account", user.id)
        # Hashed before record_login, which (on PostgreSQL) holds the user row till commit.
        upgraded = (
            await self._hasher.hash(command.password)
            if self._hasher.needs_rehash(user.password_hash)
            else None
        )
        if not await self._users.record_login(user.id, user.password_hash, now):
            # The password changed (or the account was deactivated) since it was read.
            raise InvalidCredentials("stale_password", user.id)
        if upgraded is not None:
            await self._users.upgrade_password_hash(user.id, user.password_hash, upgraded)
        tokens = await self._tokens.start_session(user)
        await self._tx.commit()
        return tokens

    async def _find(self, command: LogInCommand) -> User | None:
        if command.username is not None:
            if not is_username(command.username):
                return None  # no account has such a name (one not in ASCII, say)
            return await self._accounts.get_by_username(command.username)
        return await self._accounts.get_by_email(command.email or "")

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


def _account_key(command: LogInCommand) -> str:
    """The throttle key of the login name as given: a fixed-size digest of its canonical
    form, so unknown names cost a bounded key each.

    Raises ``ValidationError`` unless exactly one of username or email is given, within
    the longest any account can have.
    """
    if (command.username is None) == (command.email is None):
        raise ValidationError.single("username", "give exactly one of username or email")
    if command.username is not None:
        if len(command.username) > MAX_USERNAME_LENGTH:
            raise ValidationError.single(
                "username", f"must be at most {MAX_USERNAME_LENGTH} characters"
            )
        kind, canonical = "username", canonical_username(command.username)
    else:
        email = command.email or ""
        if len(email) > MAX_EMAIL_LENGTH:
            raise ValidationError.single("email", f"must be at most {MAX_EMAIL_LENGTH} characters")
        kind, canonical = "email", canonical_email(email)
    return f"login:{kind}:{sha256(canonical.encode()).hexdigest()}"
