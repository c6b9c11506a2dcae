from __future__ import annotations

from dataclasses import dataclass, field

from application.accounts import AccountOpener, NewAccount
from application.ports.clock import Clock
from application.ports.transaction import TransactionManager
from domain.users import User


@dataclass(frozen=True, slots=True)
class CreateSuperuserCommand:
    username: str
    email: str
    password: str = field(repr=False)


class CreateSuperuser:
    """Create an administrator account (from the command line).

    The same username, email and password rules as registration apply; no session is started.
    """

    def __init__(self, accounts: AccountOpener, clock: Clock, tx: TransactionManager) -> None:
        self._accounts = accounts
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: CreateSuperuserCommand) -> User:
        user = await self._accounts.open(
            NewAccount(command.username, command.email, command.password),
            self._clock.now(),
            is_admin=True,
        )
        await self._tx.commit()
        return user
