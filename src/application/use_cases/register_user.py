from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.accounts import AccountOpener, NewAccount
from application.ports.clock import Clock
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.throttle import Throttle
from application.token_issuer import TokenIssuer, TokenPair
from domain.settings import REGISTRATIONS_PER_ADDRESS_WINDOW
from domain.users import User


@dataclass(frozen=True, slots=True)
class RegisterUserCommand(NewAccount):
    """The new account, and the client address it is asked from (for the per-address limit)."""

    client_address: str = "unknown"


@dataclass(frozen=True, slots=True)
class RegisterUserResult:
    user: User
    tokens: TokenPair


class RegisterUser:
    """Open an account and log it in.

    - The account rules of ``AccountOpener``: every invalid field reported at once,
      ``password_confirm`` must match, username and email unique case-insensitively.
    - The password is stored only as a hash; the new account starts its first session.
    - At most ``registrations_per_address_per_hour`` accounts per client address
      (``too_many_attempts``); attempts that fail do not count.
    """

    def __init__(
        self,
        accounts: AccountOpener,
        tokens: TokenIssuer,
        throttle: Throttle,
        settings: SettingsReader,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._throttle = throttle
        self._settings = settings
        self._accounts = accounts
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
        user = await self._accounts.open(command, now)
        tokens = await self._tokens.start_session(user)
        await self._tx.commit()
        return RegisterUserResult(user=user, tokens=tokens)
