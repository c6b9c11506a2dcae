"""The app's route table, for tests that must cover every route (a new one cannot be
forgotten)."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

Route = tuple[str, str]  # (method, path as the route table spells it)


def route_table(app: Litestar) -> set[Route]:
    """Every (method, path) of ``app`` but the OPTIONS answers Litestar adds by itself."""
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for method in route.methods
        if method != "OPTIONS"
    }
