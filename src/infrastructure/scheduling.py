"""Periodic jobs each worker runs in the background while it serves (housekeeping such as
purging expired idempotency keys). Jobs must be safe to run in several workers at once."""

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from loguru import logger


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]


@dataclass(slots=True)
class JobRunner:
    """Runs each job every `every_seconds` (the first time after a random part of that, so
    that workers started together spread out), until stopped. A failing run is logged and
    the job carries on."""

    jobs: Sequence[PeriodicJob]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._repeat(job), name=job.name) for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    @staticmethod
    async def _repeat(job: PeriodicJob) -> None:
        delay = job.every_seconds * random.uniform(0.1, 1.0)  # noqa: S311 - spreading, not secrecy
        while True:
            await asyncio.sleep(delay)
            delay = job.every_seconds
            try:
                outcome = await job.run()
            except Exception:
                logger.opt(exception=True).error("periodic job {!r} failed", job.name)
            else:
                logger.debug("periodic job {!r} done: {}", job.name, outcome)
