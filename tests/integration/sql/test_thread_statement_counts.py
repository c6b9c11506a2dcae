"""A tweet's context costs the same few statements whatever the thread's size (its caps are
inside the recursive queries), and a page of replies two (the tweet, the page); mentions and
media add their one batched statement each only when a tweet shown has some. Counted where
the driver sees them, as test_statement_counts does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import tweets
from tests.support.accounts import insert_users
from tests.support.api import API
from tests.support.app import make_app, serve
from tests.support.statements import StatementLog, counting_engine, sent_by


async def statements(http: httpx.AsyncClient, log: StatementLog, url: str) -> tuple[Any, int]:
    await http.get(url)  # warm: connections, prepared statements
    response, sent = await sent_by(http, log, url)
    return response.json(), len(sent)


def thread_rows(author: int, start: int, parents: list[int | None]) -> list[dict[str, Any]]:
    """Rows of tweets with ids from ``start``, each replying to the one at the index given."""
    now = datetime.now(UTC)
    return [
        {
            "id": start + i,
            "author_id": author,
            "text": "t",
            "created_at": now,
            "in_reply_to_id": None if parent is None else start + parent,
            "in_reply_to_user_id": None if parent is None else author,
        }
        for i, parent in enumerate(parents)
    ]


async def test_a_context_costs_the_same_statements_however_deep_or_wide_its_thread(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    [alice] = await insert_users(engine, "alice")
    author = alice.user["id"]
    small = thread_rows(author, 1_000_000, [None, 0, 1])
    deep = thread_rows(author, 2_000_000, [None, *range(1_499)])
    wide = thread_rows(author, 3_000_000, [None, *[0] * 3_000, *range(1, 3_001)])
    async with engine.begin() as connection:
        for rows in (small, deep, wide):
            await connection.execute(insert(tweets), rows)

    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            costs = {}
            for name, tweet, expected in (
                ("small", small[1]["id"], (1, 1)),
                ("deep end", deep[-1]["id"], (40, 0)),
                ("deep middle", deep[700]["id"], (40, 20)),
                ("deep root", deep[0]["id"], (0, 20)),
                ("wide root", wide[0]["id"], (0, 60)),
                ("wide leaf", wide[-1]["id"], (2, 0)),
            ):
                body, costs[name] = await statements(http, log, f"{API}/tweets/{tweet}/context")
                shape = (len(body["ancestors"]), len(body["descendants"]))
                assert shape == expected, name
            replies = {
                limit: (
                    await statements(
                        http, log, f"{API}/tweets/{wide[0]['id']}/replies?limit={limit}"
                    )
                )[1]
                for limit in (5, 100)
            }
    finally:
        await counting.dispose()

    # The ancestors (with the tweet itself: whether it exists), the descendants.
    assert set(costs.values()) == {2}, costs
    assert replies == {5: 2, 100: 2}
