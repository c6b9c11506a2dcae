"""Absolute URLs for what responses point at, from the request's own base URL."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from dishka import Provider, Scope, provide
from litestar import Request


class Links:
    """Built per request; the request's URL is parsed only when a link is first needed."""

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self._request = request

    @cached_property
    def _base(self) -> str:
        return str(self._request.base_url).rstrip("/")

    def media(self, name: str | None) -> str | None:
        return None if name is None else self.media_url(name)

    def media_url(self, name: str) -> str:
        return f"{self._base}/media/{name}"

    def tweet(self, tweet_id: int) -> str:
        return f"{self._base}/api/v1/tweets/{tweet_id}"

    def next_page(self, cursor: str) -> str:
        """This request's URL with ``cursor`` replaced (RFC 8288 ``rel="next"`` target)."""
        query = {**self._request.query_params, "cursor": cursor}
        return f"{self._base}{self._request.url.path}?{urlencode(query)}"


class LinksProvider(Provider):
    @provide(scope=Scope.REQUEST)
    def links(self, request: Request) -> Links:  # type: ignore[type-arg]
        return Links(request)
