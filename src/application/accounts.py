"""Opening an account: the rules registration and createsuperuser share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.password_policy import PasswordPolicy
from application.ports.password_hasher import PasswordHasher
from application.ports.user_lookup import UserLookup
from application.ports.users import UserRepository
from application.username_policy import UsernamePolicy
from domain.errors import EmailTaken, PasswordMismatch, UsernameTaken
from domain.users import Email, Profile, User
from domain.validation import Validation


@dataclass(frozen=True, slots=True)
class NewAccount:
    """What someone asks an account to be (unchecked; ``AccountOpener`` checks it)."""

    username: str
    email: str
    password: str = field(repr=False)
    password_confirm: str | None = field(default=None, repr=False)
    first_name: str = ""
    last_name: str = ""
    bio: str = ""


class AccountOpener:
    """Validates a new account, checks it is unique, hashes its password and stores it.

    - Every invalid field is reported at once; then ``password_confirm``, if given.
    - Username and email unique case-insensitively (the repository's constraint is the
      last word when two registrations race).
    """

    def __init__(
        self,
        accounts: UserLookup,
        users: UserRepository,
        hasher: PasswordHasher,
        username_policy: UsernamePolicy,
        password_policy: PasswordPolicy,
    ) -> None:
        self._accounts = accounts  # as committed: no transaction held while hashing
        self._users = users
        self._hasher = hasher
        self._usernames = username_policy
        self._policy = password_policy

    async def open(self, account: NewAccount, now: datetime, *, is_admin: bool = False) -> User:
        check = Validation()
        username = check.check(lambda: self._usernames.check(account.username))
        email = check.check(lambda: Email(account.email))
        profile = check.check(lambda: Profile(account.first_name, account.last_name, account.bio))
        check.check(
            lambda: self._policy.check(
                account.password, username=account.username, email=account.email
            )
        )
        check.raise_if_invalid()
        if account.password_confirm is not None and account.password_confirm != account.password:
            raise PasswordMismatch

        if await self._accounts.get_by_username(username.value) is not None:
            raise UsernameTaken
        if await self._accounts.get_by_email(email.value) is not None:
            raise EmailTaken
        user = User(
            username=username.value,
            email=email.value,
            password_hash=await self._hasher.hash(account.password),
            created_at=now,
            is_admin=is_admin,
        )
        user.set_profile(profile)
        return await self._users.add(user)
