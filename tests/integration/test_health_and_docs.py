"""Outside /api/v1: health checks and the OpenAPI documents."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

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
