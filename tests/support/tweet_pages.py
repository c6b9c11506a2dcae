"""Reading a page of Tweet objects through the API, checked against the contract."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.api import API, Account
from tests.support.contract import assert_tweet


async def tweet_page(
    client: httpx.AsyncClient, path: str, who: Account | None = None, **params: Any
) -> dict[str, Any]:
    """``GET /api/v1{path}``: a 200 whose body is ``items`` (Tweet objects) and
    ``next_cursor``; the body."""
    response = await client.get(f"{API}{path}", params=params, headers=who.auth if who else None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "next_cursor"}
    for item in body["items"]:
        assert_tweet(item)
    return body
