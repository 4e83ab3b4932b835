"""Background work each worker does while it serves: periodic jobs (housekeeping such as
purging expired idempotency keys) and loops that run until the app stops (the outbox relay).
Both must be safe to run in several workers and hosts at once."""

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


@dataclass(frozen=True, slots=True)
class Loop:
    """A coroutine that runs until it is cancelled, such as a relay waiting for work."""

    name: str
    run: Callable[[], Awaitable[None]]


@dataclass(slots=True)
class JobRunner:
    """Runs each job every `every_seconds` (the first time after a random part of that, so
    that workers started together spread out), until stopped. A failing run is logged and
    the job carries on."""

    jobs: Sequence[PeriodicJob | Loop]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(
                self._repeat(job) if isinstance(job, PeriodicJob) else self._keep(job),
                name=job.name,
            )
            for job in self.jobs
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    @staticmethod
    async def _keep(loop: Loop) -> None:
        """Run the loop; should it ever stop on an error, start it again after a pause."""
        while True:
            try:
                await loop.run()
            except Exception:
                logger.opt(exception=True).error("background loop {!r} failed", loop.name)
            await asyncio.sleep(1.0)

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
