"""Every kind of job: its payload type and handler; and which events start which jobs."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from application.derived.delete_media import DELETE_MEDIA, DeleteMedia, MediaGone
from application.derived.fan_out_repost import (
    FAN_OUT_REPOST,
    REMOVE_REPOST,
    FanOutRepost,
    RemoveRepostEntries,
    RepostFanOut,
    RepostGone,
)
from application.derived.fan_out_tweet import FAN_OUT, TRIM, FanOut, FanOutTweet, Trim, TrimTimeline
from application.derived.follow_feeds import (
    ADD_FOLLOWEE,
    REMOVE_FOLLOWEE,
    AddFolloweeToFeed,
    FollowChange,
    RemoveFolloweeFromFeed,
)
from application.derived.index_tweet import INDEX_TWEET, IndexTweet, TweetToIndex
from application.derived.notify import (
    NOTIFY_FOLLOW,
    NOTIFY_LIKE,
    NOTIFY_REPOST,
    NOTIFY_TWEET,
    Followed,
    Liked,
    NotifyFollow,
    NotifyLike,
    NotifyRepost,
    NotifyTweet,
    Reposted,
    TweetToNotify,
)
from application.derived.separate_blocked import SEPARATE, Pair, SeparateBlocked
from application.derived.tally_tag_uses import TALLY_TAG_USES, TagsChanged, TallyTagUses
from domain.events import (
    Event,
    RepostUndone,
    TweetDeleted,
    TweetEdited,
    TweetLiked,
    TweetPosted,
    TweetReposted,
    TweetTagsChanged,
    UserBlocked,
    UserFollowed,
    UserUnfollowed,
)


class Handler(Protocol):
    def __call__(self, work: Any, /) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class Work:
    """A kind of job: ``payload`` is built from the job's payload, ``handler`` performs it
    (a class the container builds per job, like a use case)."""

    kind: str
    payload: type[Any]
    handler: type[Handler]


FAN_OUT_WORK = Work(FAN_OUT, FanOut, FanOutTweet)
ADD_FOLLOWEE_WORK = Work(ADD_FOLLOWEE, FollowChange, AddFolloweeToFeed)
REMOVE_FOLLOWEE_WORK = Work(REMOVE_FOLLOWEE, FollowChange, RemoveFolloweeFromFeed)
TRIM_WORK = Work(TRIM, Trim, TrimTimeline)
# Queued directly (ImageUploads.discard_later), not by an event: the row naming the upload
# is gone by the time the job runs.
DELETE_MEDIA_WORK = Work(DELETE_MEDIA, MediaGone, DeleteMedia)
TALLY_TAG_USES_WORK = Work(TALLY_TAG_USES, TagsChanged, TallyTagUses)
FAN_OUT_REPOST_WORK = Work(FAN_OUT_REPOST, RepostFanOut, FanOutRepost)
REMOVE_REPOST_WORK = Work(REMOVE_REPOST, RepostGone, RemoveRepostEntries)
INDEX_TWEET_WORK = Work(INDEX_TWEET, TweetToIndex, IndexTweet)
NOTIFY_FOLLOW_WORK = Work(NOTIFY_FOLLOW, Followed, NotifyFollow)
SEPARATE_WORK = Work(SEPARATE, Pair, SeparateBlocked)
NOTIFY_LIKE_WORK = Work(NOTIFY_LIKE, Liked, NotifyLike)
NOTIFY_REPOST_WORK = Work(NOTIFY_REPOST, Reposted, NotifyRepost)
NOTIFY_TWEET_WORK = Work(NOTIFY_TWEET, TweetToNotify, NotifyTweet)

WORK: dict[str, Work] = {
    work.kind: work
    for work in (
        FAN_OUT_WORK,
        ADD_FOLLOWEE_WORK,
        REMOVE_FOLLOWEE_WORK,
        TRIM_WORK,
        DELETE_MEDIA_WORK,
        TALLY_TAG_USES_WORK,
        FAN_OUT_REPOST_WORK,
        REMOVE_REPOST_WORK,
        INDEX_TWEET_WORK,
        NOTIFY_FOLLOW_WORK,
        NOTIFY_LIKE_WORK,
        NOTIFY_REPOST_WORK,
        NOTIFY_TWEET_WORK,
        SEPARATE_WORK,
    )
}

# An event's payload (its fields) must build each subscriber's payload type.
SUBSCRIBERS: dict[type[Event], tuple[Work, ...]] = {
    TweetPosted: (FAN_OUT_WORK, INDEX_TWEET_WORK, NOTIFY_TWEET_WORK),
    UserFollowed: (ADD_FOLLOWEE_WORK, NOTIFY_FOLLOW_WORK, SEPARATE_WORK),
    UserUnfollowed: (REMOVE_FOLLOWEE_WORK,),
    TweetTagsChanged: (TALLY_TAG_USES_WORK,),
    TweetReposted: (FAN_OUT_REPOST_WORK, NOTIFY_REPOST_WORK),
    RepostUndone: (REMOVE_REPOST_WORK,),
    TweetEdited: (INDEX_TWEET_WORK, NOTIFY_TWEET_WORK),
    TweetDeleted: (INDEX_TWEET_WORK, NOTIFY_TWEET_WORK),
    TweetLiked: (NOTIFY_LIKE_WORK,),
    UserBlocked: (SEPARATE_WORK,),
}

HANDLERS: tuple[type[Handler], ...] = tuple({work.handler: None for work in WORK.values()})
