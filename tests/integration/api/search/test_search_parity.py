# ruff: noqa: RUF001 (look-alike characters are what this corpus is about)
"""The same queries give the same results on SQLite (FTS5) and PostgreSQL (tsvector + GIN):
one corpus of awkward texts posted to a fresh database of each, then every query run on
both."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from domain.search import search_words
from tests.support.accounts import insert_users
from tests.support.api import API
from tests.support.app import make_app, serve
from tests.support.jobs import drain

CORPUS = [
    "Hello World hello WORLD",
    "Café CAFE cafe\u0301 naïve Ångström",
    "Straße STRASSE strasse ß",
    "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ and ﬁne ﬂow",
    "İstanbul ıstanbul ISTANBUL",
    "ΣΟΦΟΣ σοφος σοφός",
    "东京 東京タワー 日本語のテキスト",
    "हिन्दी भाषा",
    "مرحبا بالعالم",
    "שָׁלוֹם עולם",
    "snake_case kebab-case camelCase dot.case",
    "abc123 123abc 3.14 x² ½ Ⅻ ①",
    "emoji 😀 ok👍ok zero\u200bwidth join\u200dme",
    "https://example.com/a_b?c=d&e=f user@example.org",
    "don't can't O'Brien",
    "ꭰꭱꭲ ᎠᎡᎢ cherokee",
    "ǅemal ǈjubljana",
    "tab\tnew\nline",
    "#Tagged #tagged_two and @alice",
    "AND OR NOT NEAR and or not near",
    "x" * 150 + " " + "y" * 99,
]
# Letters, marks, digits, symbols and separators of many kinds, for generated texts.
ALPHABET = (
    "abcXYZéÉüßİıςΣσ東京タワーがかはんदीिअ्مرحשָׁ0123456789²½Ⅻ_-'.@#&😀\u0301\u0308\u200b\u200d "
)


def generated(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(ALPHABET, k=rng.randint(1, 40))) for _ in range(count)]


def queries(corpus: list[str]) -> list[str]:
    rng = random.Random(7)
    words = sorted({word for body in corpus for word in search_words(body)})
    asked = [*words, *(word.upper() for word in words)]
    asked += [" ".join(rng.sample(words, k=2)) for _ in range(60)]
    asked += ["from:alice", "from:bob hello", "#tagged", "#TAGGED and", "#tagged_two from:bob"]
    asked += ["ａｎｄ", "CAFÉ", "ǆemal", "σοφοσ", "Istanbul", "\u00e9", "e\u0301"]
    return asked


@asynccontextmanager
async def fresh_postgres(postgres_url: str) -> AsyncIterator[str]:
    name = f"chirp_parity_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        await admin.dispose()


async def results(url: str, corpus: list[str], asked: list[str], media: Path) -> list[list[str]]:
    """Each query's results, as the texts found, newest first."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        app = make_app(engine, media_dir=media)
        async with serve(app) as client:
            alice, bob = await insert_users(engine, "alice", "bob")
            texts: dict[int, str] = {}
            for index, body in enumerate(corpus):
                author = alice if index % 2 else bob
                response = await client.post(
                    f"{API}/tweets", json={"text": body}, headers=author.auth
                )
                if response.status_code == 201:  # (a generated text may be only spaces)
                    texts[response.json()["id"]] = response.json()["text"]
            await drain(app)
            found = []
            for q in asked:
                response = await client.get(f"{API}/search/tweets", params={"q": q, "limit": 100})
                assert response.status_code in (200, 400), (q, response.text)
                items = response.json().get("items", ["(400)"])
                found.append(
                    [item if isinstance(item, str) else texts[item["id"]] for item in items]
                )
            return found
    finally:
        await engine.dispose()


async def test_sqlite_and_postgresql_find_the_same_tweets(
    postgres_url: str, tmp_path: Path
) -> None:
    corpus = CORPUS + generated(seed=15, count=300)
    asked = queries(corpus)
    on_sqlite = await results(
        f"sqlite+aiosqlite:///{tmp_path / 'parity.db'}", corpus, asked, tmp_path / "media"
    )
    async with fresh_postgres(postgres_url) as url:
        on_postgresql = await results(url, corpus, asked, tmp_path / "media")

    differing = [
        (q, a, b) for q, a, b in zip(asked, on_sqlite, on_postgresql, strict=True) if a != b
    ]
    assert differing == []
    # The comparison means something: most queries find tweets, several find more than one.
    assert sum(bool(found) for found in on_sqlite) > len(asked) * 0.8
    assert sum(len(found) > 1 for found in on_sqlite) > 20
