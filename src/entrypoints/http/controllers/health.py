from __future__ import annotations

from http import HTTPStatus
from typing import Any

from dishka import FromDishka
from litestar import Controller, Response, get

from application.ports.health import DatabaseHealth
from entrypoints.http.problems import documented, problem
from entrypoints.http.schemas import HealthResponse


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/")
    async def alive(self) -> HealthResponse:
        """The process is up."""
        return HealthResponse(status="ok")

    @get("/ready", responses=documented(503))
    async def ready(
        self, database: FromDishka[DatabaseHealth]
    ) -> Response[HealthResponse] | Response[dict[str, Any]]:
        """The database answers (503 when it does not)."""
        if await database.is_ready():
            return Response(HealthResponse(status="ok"))
        return problem(
            HTTPStatus.SERVICE_UNAVAILABLE, "service_unavailable", "The database does not answer."
        )
