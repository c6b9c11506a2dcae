from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user
from application.password_policy import PasswordPolicy
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.sessions import SessionRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.ports.users import UserRepository
from application.username_policy import UsernamePolicy
from domain.errors import EmailTaken, UsernameTaken, WrongCurrentPassword
from domain.users import Email, Profile, User, Username, canonical_email, canonical_username
from domain.validation import Validation


@dataclass(frozen=True, slots=True)
class UpdateCurrentUserCommand:
    """``None`` leaves a field as it is."""

    user_id: int
    session_id: int
    username: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    bio: str | None = None
    password: str | None = field(default=None, repr=False)
    current_password: str | None = field(default=None, repr=False)


class UpdateCurrentUser:
    """Change the caller's own profile, username, email or password.

    - Fields follow the registration rules; uniqueness ignores the caller's own account,
      so changing only the case of one's username works.
    - A new password needs the current one (``wrong_current_password`` otherwise, also if
      it changed since it was checked) and revokes every other session of the user; the
      calling session stays valid. The hash is written before the sessions are revoked, so
      no login that verified the old password keeps a session (see ``LogIn``).
    """

    def __init__(
        self,
        accounts: UserLookup,
        users: UserRepository,
        sessions: SessionRepository,
        hasher: PasswordHasher,
        username_policy: UsernamePolicy,
        password_policy: PasswordPolicy,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._accounts = accounts  # as committed: no transaction held while hashing
        self._users = users
        self._sessions = sessions
        self._hasher = hasher
        self._usernames = username_policy
        self._policy = password_policy
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: UpdateCurrentUserCommand) -> User:
        user = await active_user(self._accounts, command.user_id)
        check = Validation()
        # Only what is given is checked (an account may predate a rule, e.g. ASCII e-mails).
        new_username = command.username
        new_email = command.email
        username = (
            check.check(lambda: self._usernames.check(new_username)) if new_username else None
        )
        email = check.check(lambda: Email(new_email)) if new_email else None
        if command.username == "":
            check.add("username", "must not be empty")
        if command.email == "":
            check.add("email", "must not be empty")
        current = user.profile
        profile = check.check(
            lambda: Profile(
                current.first_name if command.first_name is None else command.first_name,
                current.last_name if command.last_name is None else command.last_name,
                current.bio if command.bio is None else command.bio,
            )
        )
        if command.password is not None and command.current_password is None:
            check.add("current_password", "is required to change the password")
        if command.current_password is not None and command.password is None:
            check.add("password", "is required with current_password")
        if command.password is not None:
            new_password = command.password
            check.check(
                lambda: self._policy.check(
                    new_password,
                    username=command.username or user.username,
                    email=command.email or user.email,
                )
            )
        check.raise_if_invalid()

        await self._check_unique(user, username, email)
        new_hash = None
        if command.password is not None:
            if not await self._hasher.verify(user.password_hash, command.current_password or ""):
                raise WrongCurrentPassword
            new_hash = await self._hasher.hash(command.password)

        # Only what the caller gave is written: a change committed meanwhile to anything
        # else (a deactivation, a password change) stands.
        if username is not None and username.value != user.username:
            await self._users.change_username(user.id, username.value)
            user.username = username.value
        if email is not None and email.value != user.email:
            await self._users.change_email(user.id, email.value)
            user.email = email.value
        if profile != current:
            await self._users.change_profile(user.id, profile)
            user.set_profile(profile)
        if new_hash is not None:
            await self._change_password(user, new_hash, command.session_id)
        await self._tx.commit()
        return user

    async def _check_unique(
        self, user: User, username: Username | None, email: Email | None
    ) -> None:
        if username is not None and username.canonical != canonical_username(user.username):
            other = await self._accounts.get_by_username(username.value)
            if other is not None and other.id != user.id:
                raise UsernameTaken
        if email is not None and email.canonical != canonical_email(user.email):
            other = await self._accounts.get_by_email(email.value)
            if other is not None and other.id != user.id:
                raise EmailTaken

    async def _change_password(self, user: User, new_hash: str, session_id: int) -> None:
        """The new hash first, then the other sessions' end: a login that verified the old
        password has either recorded itself before (its session is among those ended) or
        finds the hash changed and fails."""
        now = self._clock.now()
        if not await self._users.change_password(user.id, user.password_hash, new_hash, now):
            raise WrongCurrentPassword  # changed since we checked it
        await self._sessions.revoke_user_sessions(user.id, now, keep_session_id=session_id)
        user.change_password(new_hash, now)
