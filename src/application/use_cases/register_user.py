from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.password_policy import PasswordPolicy
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from application.throttle import Throttle
from application.token_issuer import TokenIssuer, TokenPair
from domain.errors import EmailTaken, PasswordMismatch, UsernameTaken
from domain.settings import REGISTRATIONS_PER_ADDRESS_WINDOW
from domain.users import Email, Profile, User, Username
from domain.validation import Validation


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    username: str
    email: str
    password: str = field(repr=False)
    password_confirm: str | None = field(default=None, repr=False)
    first_name: str = ""
    last_name: str = ""
    bio: str = ""
    client_address: str = "unknown"


@dataclass(frozen=True, slots=True)
class RegisterUserResult:
    user: User
    tokens: TokenPair


class RegisterUser:
    """Open an account and log it in.

    - Every field is validated and every invalid field reported at once.
    - ``password_confirm``, when given, must equal ``password``.
    - Username and email are unique case-insensitively (409 ``username_taken``/``email_taken``).
    - The password is stored only as a hash; the new account starts its first session.
    - At most ``registrations_per_address_per_hour`` accounts per client address
      (``too_many_attempts``); attempts that fail do not count.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy,
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
        self._policy = password_policy
        self._tokens = tokens
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: RegisterUserCommand) -> RegisterUserResult:
        now = self._clock.now()
        settings = await self._settings.current()
        address_key = f"register:address:{command.client_address}"
        await self._throttle.admit(
            address_key,
            settings.registrations_per_address_per_hour,
            REGISTRATIONS_PER_ADDRESS_WINDOW,
            now,
        )
        try:
            return await self._register(command, now)
        except Exception:
            await self._throttle.forget(address_key, now)
            raise

    async def _register(self, command: RegisterUserCommand, now: datetime) -> RegisterUserResult:
        check = Validation()
        username = check.check(lambda: Username(command.username))
        email = check.check(lambda: Email(command.email))
        profile = check.check(lambda: Profile(command.first_name, command.last_name, command.bio))
        check.check(
            lambda: self._policy.check(
                command.password, username=command.username, email=command.email
            )
        )
        check.raise_if_invalid()
        if command.password_confirm is not None and command.password_confirm != command.password:
            raise PasswordMismatch

        if await self._users.get_by_username(username.value) is not None:
            raise UsernameTaken
        if await self._users.get_by_email(email.value) is not None:
            raise EmailTaken

        user = User(
            username=username.value,
            email=email.value,
            password_hash=await self._hasher.hash(command.password),
            created_at=now,
        )
        user.set_profile(profile)
        user = await self._users.add(user)
        tokens = await self._tokens.start_session(user)
        await self._tx.commit()
        return RegisterUserResult(user=user, tokens=tokens)
