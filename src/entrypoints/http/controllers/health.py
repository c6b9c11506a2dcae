from __future__ import annotations

from http import HTTPStatus
from typing import Any

from dishka import FromDishka
from litestar import Controller, Response, get

from application.ports.health import DatabaseHealth
from application.ports.shared_state_health import SharedStateHealth
from entrypoints.http.problems import documented, problem
from entrypoints.http.responses import HealthResponse


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/")
    async def alive(self) -> HealthResponse:
        """The process is up."""
        return HealthResponse(status="ok")

    @get("/ready", responses=documented(503))
    async def ready(
        self, database: FromDishka[DatabaseHealth], shared: FromDishka[SharedStateHealth]
    ) -> Response[HealthResponse] | Response[dict[str, Any]]:
        """The database and the shared state (Redis, when configured) answer (else 503)."""
        if not await database.is_ready():
            detail = "The database does not answer."
        elif not await shared.is_ready():
            detail = "The shared state store does not answer."
        else:
            return Response(HealthResponse(status="ok"))
        return problem(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "service_unavailable",
            detail,
            headers={"Retry-After": "5"},
        )
