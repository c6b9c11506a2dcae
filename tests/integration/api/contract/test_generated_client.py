"""A client generated from the served OpenAPI document works, as a new user would use one.

openapi-python-client generates a package from ``/schema/openapi.json`` once for the module;
the test then imports every module of it and, through the generated functions and models
only, registers, logs in, posts a tweet as JSON and one as a multipart form with an image,
likes a tweet and reads the feed in two pages.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.api import PASSWORD
from tests.support.app import TEST_SECRET, make_app
from tests.support.image_samples import png_bytes
from tests.support.jobs import settle

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "chirp_generated_client"
BASE_URL = "http://testserver"


async def served_schema(tmp_path: Path) -> dict[str, Any]:
    """The OpenAPI document as the app serves it (no database is touched for it)."""
    config = AppConfig(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        jwt_secret=TEST_SECRET,
        media_dir=tmp_path / "media",
    )
    app = create_app(config)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        response = await http.get("/schema/openapi.json")
    await app.state.dishka_container.close()
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def generate(schema: Path, output: Path) -> None:
    config = schema.with_name("config.json")
    config.write_text(json.dumps({"post_hooks": []}))  # no formatter run: nothing to fetch
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            f"--path={schema}",
            "--meta=none",
            f"--output-path={output}",
            f"--config={config}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
async def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory holding the generated package ``PACKAGE``."""
    root = tmp_path_factory.mktemp("generated-client")
    schema = root / "openapi.json"
    schema.write_text(json.dumps(await served_schema(root)))
    await asyncio.to_thread(generate, schema, root / PACKAGE)
    return root


@pytest.fixture(scope="module")
def package(generated: Path) -> Iterator[ModuleType]:
    """The generated package, imported (and forgotten after the module)."""
    sys.path.insert(0, str(generated))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(generated))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_module_imports(package: ModuleType) -> None:
    failures = {}
    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as error:  # every failure is reported
            failures[module.name] = repr(error)
    assert not failures


class Generated:
    """The generated package's modules, by the names a user would import."""

    def __init__(self) -> None:
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.types = importlib.import_module(f"{PACKAGE}.types")
        self.client = importlib.import_module(f"{PACKAGE}.client")

    @staticmethod
    def operation(tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


@pytest.fixture
async def transport(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[httpx.ASGITransport]:
    """The app on the test database, as an httpx transport for the generated client."""
    app = make_app(engine, media_dir=tmp_path / "media")
    yield httpx.ASGITransport(app=app)
    await app.state.dishka_container.close()


async def test_a_generated_client_registers_logs_in_posts_likes_and_pages_the_feed(
    package: ModuleType, transport: httpx.ASGITransport, engine: AsyncEngine
) -> None:
    gen = Generated()
    models, client_module = gen.models, gen.client
    anonymous = client_module.Client(base_url=BASE_URL, httpx_args={"transport": transport})

    register = gen.operation("auth", "api_v1_auth_register_register")
    response = await register.asyncio_detailed(
        client=anonymous,
        body=models.RegisterRequest(
            username="newcomer", email="newcomer@example.com", password=PASSWORD
        ),
    )
    assert response.status_code == 201, response.content
    assert response.parsed.user.username == "newcomer"

    login = gen.operation("auth", "api_v1_auth_login_login")
    response = await login.asyncio_detailed(
        client=anonymous, body=models.LoginRequest(password=PASSWORD, username="newcomer")
    )
    assert response.status_code == 200, response.content
    tokens = response.parsed
    assert isinstance(tokens, models.TokenPairResponse)
    response = await login.asyncio_detailed(
        client=anonymous,
        body=models.LoginRequest(password=PASSWORD, email="newcomer@example.com"),
    )
    assert response.status_code == 200, response.content

    me = client_module.AuthenticatedClient(
        base_url=BASE_URL, token=tokens.access_token, httpx_args={"transport": transport}
    )
    post = gen.operation("tweets", "api_v1_tweets_create")
    response = await post.asyncio_detailed(
        client=me, body=models.ApiV1TweetsCreateJsonBody(text="Hello from a generated client")
    )
    assert response.status_code == 201, response.content
    first = response.parsed
    assert isinstance(first, models.TweetResponse)
    assert first.text == "Hello from a generated client"
    assert first.image_url is None

    image = gen.types.File(payload=BytesIO(png_bytes(8, 8)), file_name="a.png")
    response = await post.asyncio_detailed(
        client=me, body=models.ApiV1TweetsCreateFilesBody(text="With a picture", image=image)
    )
    assert response.status_code == 201, response.content
    second = response.parsed
    assert isinstance(second, models.TweetResponse)
    assert second.text == "With a picture"
    assert isinstance(second.image_url, str)

    like = gen.operation("tweets", "api_v1_tweets_tweet_id_like_like")
    response = await like.asyncio_detailed(first.id, client=me)
    assert response.status_code == 200, response.content
    assert (response.parsed.liked, response.parsed.like_count) == (True, 1)

    await settle(engine)  # the like counted by the workers
    feed = gen.operation("tweets", "api_v1_feed_home")
    response = await feed.asyncio_detailed(client=me, limit=1)
    assert response.status_code == 200, response.content
    page = response.parsed
    assert [tweet.id for tweet in page.items] == [second.id]
    assert isinstance(page.next_cursor, str)
    response = await feed.asyncio_detailed(client=me, limit=1, cursor=page.next_cursor)
    assert response.status_code == 200, response.content
    assert [tweet.id for tweet in response.parsed.items] == [first.id]
    assert response.parsed.items[0].like_count == 1
