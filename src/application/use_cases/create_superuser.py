from __future__ import annotations

from dataclasses import dataclass, field

from application.password_policy import PasswordPolicy
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from domain.errors import EmailTaken, UsernameTaken
from domain.users import Email, User, Username
from domain.validation import Validation


@dataclass(frozen=True, slots=True)
class CreateSuperuserCommand:
    username: str
    email: str
    password: str = field(repr=False)


class CreateSuperuser:
    """Create an administrator account (from the command line).

    The same username, email and password rules as registration apply; no session is started.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._policy = password_policy
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: CreateSuperuserCommand) -> User:
        check = Validation()
        username = check.check(lambda: Username(command.username))
        email = check.check(lambda: Email(command.email))
        check.check(
            lambda: self._policy.check(
                command.password, username=command.username, email=command.email
            )
        )
        check.raise_if_invalid()
        if await self._users.get_by_username(username.value) is not None:
            raise UsernameTaken
        if await self._users.get_by_email(email.value) is not None:
            raise EmailTaken
        user = await self._users.add(
            User(
                username=username.value,
                email=email.value,
                password_hash=await self._hasher.hash(command.password),
                created_at=self._clock.now(),
                is_admin=True,
            )
        )
        await self._tx.commit()
        return user
