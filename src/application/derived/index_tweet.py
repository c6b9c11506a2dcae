from __future__ import annotations

from dataclasses import dataclass

from application.ports.search_index import SearchIndex
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from domain.search import index_words

INDEX_TWEET = "search.index"


@dataclass(frozen=True, slots=True)
class TweetToIndex:
    tweet_id: int
    author_id: int | None = None  # carried by TweetPosted and TweetDeleted, not needed here


class IndexTweet:
    """Keep a tweet's words in the search index after a post, an edit or a delete.

    - Reads the tweet as it is when the job runs: its current words are indexed, or, if it
      is gone, its words are removed. A repeated or late job leaves the same result, and
      one that read an older version of the text than the index holds changes nothing.
    - Searches join the tweets, so a deleted tweet is never found, even before this runs.
    """

    def __init__(self, tweets: TweetRepository, index: SearchIndex, tx: TransactionManager) -> None:
        self._tweets = tweets
        self._index = index
        self._tx = tx

    async def __call__(self, work: TweetToIndex) -> None:
        tweet = await self._tweets.get(work.tweet_id)
        if tweet is None:
            await self._index.remove(work.tweet_id)
        else:
            await self._index.put(tweet.id, tweet.edit_count, index_words(tweet.text))
        await self._tx.commit()
