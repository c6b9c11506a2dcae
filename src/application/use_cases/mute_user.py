from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user
from application.lookups import user_named
from application.ports.clock import Clock
from application.ports.relationships import MuteRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from domain.errors import CannotMuteSelf
from domain.relationships import Mute, MuteTerms


@dataclass(frozen=True, slots=True)
class MuteCommand:
    user_id: int
    username: str
    terms: MuteTerms = field(default_factory=MuteTerms)


class MuteUser:
    """Mute an account: its tweets and reposts, and others' reposts of them, leave the
    muter's feed, tag pages and search (with ``notifications``, its notifications too)
    until the mute expires. A new mute replaces every term of the old one. Only the muter
    is affected; muting oneself is refused (``cannot_mute_self``).
    """

    def __init__(
        self, users: UserLookup, mutes: MuteRepository, clock: Clock, tx: TransactionManager
    ) -> None:
        self._users = users
        self._mutes = mutes
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: MuteCommand) -> None:
        await active_user(self._users, command.user_id)
        other = await user_named(self._users, command.username)
        if other.id == command.user_id:
            raise CannotMuteSelf
        now = self._clock.now()
        terms = command.terms
        mute = Mute(command.user_id, other.id, now, terms.expires_at(now), terms.notifications)
        await self._mutes.mute(mute)
        await self._tx.commit()
