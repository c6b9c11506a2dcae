"""Outside /api/v1: health checks and the OpenAPI documents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import register_admin
from tests.support.api import API, PROBLEM_JSON, bearer, register

AUTH_PATHS = [
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-all",
]


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def bearer_schemes(document: dict[str, Any]) -> set[str]:
    schemes = document["components"]["securitySchemes"]
    return {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
    }


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200


async def test_openapi_is_3_1_with_the_auth_paths_and_a_bearer_scheme(
    client: httpx.AsyncClient,
) -> None:
    document = await openapi(client)

    assert document["openapi"].startswith("3.1")
    assert set(AUTH_PATHS) <= set(document["paths"])
    assert bearer_schemes(document)


@pytest.mark.parametrize(
    ("path", "method", "secured"),
    [
        ("/api/v1/me", "get", True),
        ("/api/v1/me", "patch", True),
        ("/api/v1/auth/logout-all", "post", True),
        ("/api/v1/admin/settings", "get", True),
        ("/api/v1/admin/settings", "patch", True),
        ("/api/v1/auth/login", "post", False),
        ("/api/v1/auth/register", "post", False),
    ],
)
async def test_operations_declare_the_bearer_scheme_where_they_need_it(
    client: httpx.AsyncClient, path: str, method: str, secured: bool
) -> None:
    document = await openapi(client)
    operation = document["paths"][path][method]

    # "Authorize" in the docs only sends the token where the operation asks for the scheme.
    required = {name for requirement in operation.get("security", []) for name in requirement}
    assert bool(required & bearer_schemes(document)) is secured


@pytest.mark.parametrize(
    ("path", "marker"), [("/schema/swagger", "swagger"), ("/schema/redoc", "redoc")]
)
async def test_interactive_docs_are_served(
    client: httpx.AsyncClient, path: str, marker: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert marker in response.text.lower()


DOCS_PAGES = ["/schema/swagger", "/schema/redoc"]
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
YEAR = 365 * 24 * 3600


@pytest.mark.parametrize("page", DOCS_PAGES)
async def test_docs_pages_load_only_what_chirp_serves(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy

    urls = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert any(url.endswith(".js") for url in urls)
    for url in urls:
        assert url.startswith("/schema/assets/"), url  # this origin, not a CDN
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rfind(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        cache = asset.headers["cache-control"]
        if "/schema/assets/chirp/" not in url:  # the UIs' files: the URL names their version
            assert "immutable" in cache, url
            assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= YEAR  # type: ignore[union-attr]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


async def test_every_error_response_is_documented_as_a_problem_document(
    client: httpx.AsyncClient,
) -> None:
    document = await openapi(client)

    wrong = {
        f"{method.upper()} {path} {status}": sorted(response.get("content", {}))
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if int(status) >= 400
        and response.get("content")
        != {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}
    }
    assert not wrong


def request_schema(
    document: dict[str, Any], path: str, method: str, media_type: str = "application/json"
) -> dict[str, Any]:
    """The request body schema of an operation, with the components its $refs point into."""
    body = document["paths"][path][method]["requestBody"]["content"][media_type]
    return {**body["schema"], "components": document["components"]}


def example_of(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The request body example the docs pages pre-fill (the schema's first example)."""
    schema = request_schema(document, path, method)
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert schema.get("examples"), f"{method.upper()} {path} has no example"
    example: dict[str, Any] = schema["examples"][0]
    return example


async def test_the_request_examples_of_the_docs_work(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    document = await openapi(client)

    registration = example_of(document, f"{API}/auth/register", "post")
    response = await client.post(f"{API}/auth/register", json=registration)
    assert response.status_code == 201, response.text
    response = await client.post(
        f"{API}/auth/login", json=example_of(document, f"{API}/auth/login", "post")
    )
    assert response.status_code == 200, response.text
    author = bearer(response.json()["access_token"])
    tweet = example_of(document, f"{API}/tweets", "post")
    response = await client.post(f"{API}/tweets", json=tweet, headers=author)
    assert response.status_code == 201, response.text
    response = await client.patch(
        f"{API}/tweets/{response.json()['id']}",
        json=example_of(document, f"{API}/tweets/{{tweet_id}}", "patch"),
        headers=author,
    )
    assert response.status_code == 200, response.text

    # The settings example changes nothing that matters: it restores a default.
    admin = await register_admin(client, engine)
    before = (await client.get(f"{API}/admin/settings", headers=admin.auth)).json()
    response = await client.patch(
        f"{API}/admin/settings",
        json=example_of(document, f"{API}/admin/settings", "patch"),
        headers=admin.auth,
    )
    assert response.status_code == 200, response.text
    assert response.json() == before


@pytest.mark.parametrize(
    "text",
    [
        "e\u0301" * 200,  # 400 code points, 200 once composed (NFC)
        "Hello" + " " * 300,  # 305 code points, 5 once trimmed
    ],
)
async def test_a_tweet_text_the_api_accepts_is_valid_by_the_schema(
    client: httpx.AsyncClient, text: str
) -> None:
    document = await openapi(client)
    author = await register(client)

    posted = await client.post(f"{API}/tweets", json={"text": text}, headers=author.auth)
    assert posted.status_code == 201, posted.text
    edited = await client.patch(
        f"{API}/tweets/{posted.json()['id']}", json={"text": text}, headers=author.auth
    )
    assert edited.status_code == 200, edited.text
    form = await client.post(f"{API}/tweets", files={"text": (None, text)}, headers=author.auth)
    assert form.status_code == 201, form.text

    for path, method, media_type in [
        (f"{API}/tweets", "post", "application/json"),
        (f"{API}/tweets", "post", "multipart/form-data"),
        (f"{API}/tweets/{{tweet_id}}", "patch", "application/json"),
    ]:
        schema = request_schema(document, path, method, media_type)
        assert jsonschema_rs.Draft202012Validator(schema).is_valid({"text": text}), (
            f"{method.upper()} {path} {media_type}"
        )
