"""Readiness: does the database answer?"""

import asyncio

from loguru import logger

from src.infrastructure.database.health import ping
from src.infrastructure.database.transaction import transaction

READINESS_TIMEOUT_SECONDS = 3.0


async def database_is_ready() -> bool:
    """Whether the database answers a trivial query within a few seconds."""
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await _ping()
    except Exception:
        logger.opt(exception=True).warning("database is not ready")
        return False
    return True


@transaction(readonly=True)
async def _ping() -> None:
    await ping()
