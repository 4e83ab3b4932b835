"""Liveness and readiness probes."""

from typing import Literal

from fastapi import APIRouter

from src.application.health import database_is_ready
from src.infrastructure.errors import ServiceUnavailable
from src.presentation.rest.schemas import ApiModel, problems

router = APIRouter(prefix="/health", tags=["health"])


class HealthResponse(ApiModel):
    status: Literal["ok"]


@router.get("")
async def liveness() -> HealthResponse:
    """The process is up (touches nothing)."""
    return HealthResponse(status="ok")


@router.get("/ready", responses=problems(503))
async def readiness() -> HealthResponse:
    """The database answers (503 while it does not)."""
    if not await database_is_ready():
        raise ServiceUnavailable("The database does not answer")
    return HealthResponse(status="ok")
