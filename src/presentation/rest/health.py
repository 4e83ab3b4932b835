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
async def check_liveness() -> HealthResponse:
    """Check that the process is up.

    Touches nothing.
    """
    return HealthResponse(status="ok")


@router.get("/ready", responses=problems(503))
async def check_readiness() -> HealthResponse:
    """Check that the database answers.

    503 while it does not.
    """
    if not await database_is_ready():
        raise ServiceUnavailable("The database does not answer")
    return HealthResponse(status="ok")
