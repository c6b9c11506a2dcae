"""Reading a tweet's mentions and hashtags from its text and storing them (posts and edits)."""

from __future__ import annotations

from application.ports.tweet_entities import TweetEntities
from application.ports.user_reader import UserSummary
from domain.tweet_entities import hashtags, mention_candidates, resolved_mentions

Entities = tuple[tuple[UserSummary, ...], tuple[str, ...]]


async def read_entities(entities: TweetEntities, text: str) -> Entities:
    """The mentions (active users only, in the caller's transaction) and hashtags of
    ``text``, in order of first appearance."""
    candidates = mention_candidates(text)
    found = await entities.active_users(candidates) if candidates else {}
    mentioned = tuple(found[name] for name in resolved_mentions(candidates, found))
    return mentioned, tuple(hashtags(text))
