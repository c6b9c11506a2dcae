"""Every kind of job: its payload type and handler; and which events start which jobs."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from application.derived.fan_out_tweet import FAN_OUT, FanOut, FanOutTweet
from application.derived.follow_feeds import (
    AddFolloweeToFeed,
    FollowChange,
    RemoveFolloweeFromFeed,
)
from domain.events import Event, TweetPosted, UserFollowed, UserUnfollowed


class Handler(Protocol):
    def __call__(self, work: Any, /) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class Work:
    """A kind of job: ``payload`` is built from the job's payload, ``handler`` performs it
    (a class the container builds per job, like a use case)."""

    kind: str
    payload: type[Any]
    handler: type[Handler]


FAN_OUT_TWEET = Work(FAN_OUT, FanOut, FanOutTweet)
ADD_FOLLOWEE = Work("feed.add_followee", FollowChange, AddFolloweeToFeed)
REMOVE_FOLLOWEE = Work("feed.remove_followee", FollowChange, RemoveFolloweeFromFeed)

WORK: dict[str, Work] = {work.kind: work for work in (FAN_OUT_TWEET, ADD_FOLLOWEE, REMOVE_FOLLOWEE)}

# An event's payload (its fields) must build each subscriber's payload type.
SUBSCRIBERS: dict[type[Event], tuple[Work, ...]] = {
    TweetPosted: (FAN_OUT_TWEET,),
    UserFollowed: (ADD_FOLLOWEE,),
    UserUnfollowed: (REMOVE_FOLLOWEE,),
}

HANDLERS: tuple[type[Handler], ...] = tuple({work.handler: None for work in WORK.values()})
