"""The interactive API docs (Swagger UI, ReDoc), served whole by Chirp: they work offline.

Litestar's pages load Swagger UI and ReDoc from CDNs (ReDoc from an unpinned "latest") and
fonts from Google. Here every script, style and image comes from Chirp: the UIs' release
builds as the ``drf-spectacular-sidecar`` package ships them (its static files only: the
package is located, never imported, so Django is not loaded), under a URL that names the
package's version, so they can be cached for a year. Each page starts its UI with a small
script of ours, not an inline one, so the pages' Content-Security-Policy allows scripts from
this origin only (``request_context.DOCS_CSP``); the UIs fetch the schema from
``/schema/openapi.json`` instead of having it inlined. (ReDoc's sidebar also shows its
maker's logo from their CDN: the policy refuses that image, and ReDoc then leaves it out.)
"""

from __future__ import annotations

import html
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.params import FromPath
from litestar.static_files import create_static_files_router

ASSETS_PATH = "/schema/assets"
_DISTRIBUTION = "drf-spectacular-sidecar"
_PACKAGE = "drf_spectacular_sidecar"
_YEAR = 365 * 24 * 3600


def _package_static_dir() -> Path:
    spec = find_spec(_PACKAGE)  # finds the package without running its __init__ (Django)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {_DISTRIBUTION} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / _PACKAGE


_STATIC_DIR = _package_static_dir()
# Versioned, so that a cached copy never outlives the package it came from.
VENDOR_PATH = f"{ASSETS_PATH}/{version(_DISTRIBUTION)}"
SWAGGER_JS = f"{VENDOR_PATH}/swagger-ui-dist/swagger-ui-bundle.js"
SWAGGER_CSS = f"{VENDOR_PATH}/swagger-ui-dist/swagger-ui.css"
REDOC_JS = f"{VENDOR_PATH}/redoc/bundles/redoc.standalone.js"
FAVICON = f"{VENDOR_PATH}/swagger-ui-dist/favicon-32x32.png"

# Our start-up scripts; they read the schema's URL from the container's data-spec-url.
_SWAGGER_INIT = """\
"use strict";
(function () {
  var container = document.getElementById("swagger-container");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
"""
_REDOC_INIT = """\
"use strict";
(function () {
  var container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.specUrl, {}, container);
})();
"""
_INIT_SCRIPTS = {"swagger-init.js": _SWAGGER_INIT, "redoc-init.js": _REDOC_INIT}
SWAGGER_INIT = f"{ASSETS_PATH}/chirp/swagger-init.js"
REDOC_INIT = f"{ASSETS_PATH}/chirp/redoc-init.js"


def _page(title: str, head: str, container: str, spec_url: str, scripts: list[str]) -> bytes:
    tags = "".join(f'<script src="{src}"></script>' for src in scripts)
    return (
        "<!DOCTYPE html>"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        f'<link rel="icon" type="image/png" href="{FAVICON}">{head}'
        "<style>body { margin: 0; padding: 0 }</style>"
        f'</head><body><div id="{container}" data-spec-url="{html.escape(spec_url)}"></div>'
        f"{tags}</body></html>"
    ).encode()


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI from Chirp's own copy (``/schema/swagger``)."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _page(
            openapi_schema["info"]["title"],
            f'<link rel="stylesheet" href="{SWAGGER_CSS}">',
            "swagger-container",
            self.get_openapi_json_route(request),
            [SWAGGER_JS, SWAGGER_INIT],
        )


class OfflineRedoc(RedocRenderPlugin):
    """ReDoc from Chirp's own copy (``/schema/redoc``), with the fonts the browser has."""

    def __init__(self) -> None:
        super().__init__(google_fonts=False)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _page(
            openapi_schema["info"]["title"],
            "",
            "redoc-container",
            self.get_openapi_json_route(request),
            [REDOC_JS, REDOC_INIT],
        )


@get(
    "/chirp/{script:str}",
    include_in_schema=False,
    cache_control=CacheControlHeader(no_cache=True),
    sync_to_thread=False,
)
def _init_script(script: FromPath[str]) -> Response[str]:
    code = _INIT_SCRIPTS.get(script)
    if code is None:
        raise NotFoundException
    return Response(code, media_type="text/javascript")


def docs_assets_router() -> Router:
    """The docs pages' scripts, styles and icon, under ``/schema/assets``."""
    vendor = create_static_files_router(
        path=VENDOR_PATH.removeprefix(ASSETS_PATH),
        directories=[_STATIC_DIR],
        name="docs-assets",
        cache_control=CacheControlHeader(public=True, max_age=_YEAR, immutable=True),
        include_in_schema=False,
    )
    return Router(ASSETS_PATH, route_handlers=[vendor, _init_script], include_in_schema=False)
