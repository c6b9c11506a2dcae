from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user, unblocked
from application.lookups import existing_tweet
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.relationships import BlockRepository
from application.ports.reposts import RepostRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from domain.events import TweetReposted


@dataclass(frozen=True, slots=True)
class RepostCommand:
    user_id: int
    tweet_id: int


@dataclass(frozen=True, slots=True)
class RepostResult:
    reposted: bool
    repost_count: int


class RepostTweet:
    """Repost a tweet (one's own included); reposting it again changes nothing.

    - The count in the answer counts this repost.
    - The workers put the tweet in the reposter's followers' feeds, at the time of the
      repost and with ``reposted_by`` (``TweetReposted``), unless a feed holds it already.
    - A block between the reposter and the author refuses it (``blocked``).
    """

    def __init__(
        self,
        tweets: TweetRepository,
        reposts: RepostRepository,
        clock: Clock,
        tx: TransactionManager,
        users: UserLookup,
        outbox: Outbox,
        blocks: BlockRepository,
    ) -> None:
        self._blocks = blocks
        self._tweets = tweets
        self._reposts = reposts
        self._clock = clock
        self._tx = tx
        self._users = users
        self._outbox = outbox

    async def __call__(self, command: RepostCommand) -> RepostResult:
        await active_user(self._users, command.user_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        await unblocked(self._blocks, command.user_id, tweet.author_id)
        change = await self._reposts.repost(command.user_id, command.tweet_id, self._clock.now())
        if change.repost_id is not None:
            await self._outbox.emit(
                TweetReposted(change.repost_id, command.user_id, command.tweet_id)
            )
        await self._tx.commit()
        return RepostResult(reposted=True, repost_count=change.repost_count)
