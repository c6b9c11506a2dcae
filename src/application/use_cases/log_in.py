from __future__ import annotations

from dataclasses import dataclass, field

from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from application.token_issuer import TokenIssuer, TokenPair
from domain.errors import InvalidCredentials, ValidationError


@dataclass(frozen=True, slots=True)
class LogInCommand:
    password: str = field(repr=False)
    username: str | None = None
    email: str | None = None


class LogIn:
    """Exchange a username or email and a password for a new session's token pair.

    - Exactly one of username or email (case-insensitive).
    - Unknown account, wrong password and deactivated account all fail the same way,
      after the same hashing work.
    - Records ``last_login``; upgrades a hash made with weaker parameters.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: LogInCommand) -> TokenPair:
        if (command.username is None) == (command.email is None):
            raise ValidationError.single("username", "give exactly one of username or email")
        if command.username is not None:
            user = await self._users.get_by_username(command.username)
        else:
            user = await self._users.get_by_email(command.email or "")

        if user is None:
            await self._hasher.verify_dummy(command.password)
            raise InvalidCredentials
        if not await self._hasher.verify(user.password_hash, command.password):
            raise InvalidCredentials
        if not user.is_active:
            raise InvalidCredentials

        if self._hasher.needs_rehash(user.password_hash):
            user.password_hash = await self._hasher.hash(command.password)
        user.record_login(self._clock.now())
        await self._users.update(user)
        tokens = await self._tokens.start_session(user)
        await self._tx.commit()
        return tokens
