from __future__ import annotations

from application.authorization import active_user
from application.lookups import existing_tweet
from application.outbox import Outbox
from application.ports.reposts import RepostRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.use_cases.repost_tweet import RepostCommand, RepostResult
from domain.events import RepostUndone


class UndoRepost:
    """Take back a repost; undoing one that is not there changes nothing (idempotent).

    - The count in the answer no longer counts it.
    - The workers remove the feed entries that repost made, and only those
      (``RepostUndone``).
    """

    def __init__(
        self,
        tweets: TweetRepository,
        reposts: RepostRepository,
        tx: TransactionManager,
        users: UserLookup,
        outbox: Outbox,
    ) -> None:
        self._tweets = tweets
        self._reposts = reposts
        self._tx = tx
        self._users = users
        self._outbox = outbox

    async def __call__(self, command: RepostCommand) -> RepostResult:
        await active_user(self._users, command.user_id)
        await existing_tweet(self._tweets, command.tweet_id)
        change = await self._reposts.undo(command.user_id, command.tweet_id)
        if change.position is not None:
            await self._outbox.emit(
                RepostUndone(command.user_id, command.tweet_id, change.position)
            )
        await self._tx.commit()
        return RepostResult(reposted=False, repost_count=change.repost_count)
