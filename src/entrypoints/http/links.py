"""Absolute URLs for what responses point at, from the request's own base URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dishka import Provider, Scope, provide
from litestar import Request


class Links:
    def __init__(self, base_url: str, path: str, query: dict[str, str]) -> None:
        self._base = base_url.rstrip("/")
        self._path = path
        self._query = query

    def media(self, name: str | None) -> str | None:
        return None if name is None else f"{self._base}/media/{name}"

    def tweet(self, tweet_id: int) -> str:
        return f"{self._base}/api/v1/tweets/{tweet_id}"

    def next_page(self, cursor: str) -> str:
        """This request's URL with ``cursor`` replaced (RFC 8288 ``rel="next"`` target)."""
        query = {**self._query, "cursor": cursor}
        return f"{self._base}{self._path}?{urlencode(query)}"


class LinksProvider(Provider):
    @provide(scope=Scope.REQUEST)
    def links(self, request: Request) -> Links:  # type: ignore[type-arg]
        return links_for(request)


def links_for(request: Request[Any, Any, Any]) -> Links:
    return Links(str(request.base_url), request.url.path, dict(request.query_params))
