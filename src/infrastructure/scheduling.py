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
    """A coroutine that runs until the event it is given is set, such as a relay waiting
    for work. It should finish what it is doing and return soon after."""

    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]


@dataclass(slots=True)
class JobRunner:
    """Runs each periodic job every `every_seconds` (the first time after a random part of
    that, so that workers started together spread out), and each loop, until stopped. A
    failing run is logged and the job carries on.

    Stopping is cooperative: jobs are asked to stop and given `grace_seconds` to finish the
    work in hand (a database call cut off half-way would leave its thread writing to a
    closed event loop); only then are they cancelled.
    """

    jobs: Sequence[PeriodicJob | Loop]
    grace_seconds: float = 10.0
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._tasks = [
            asyncio.create_task(
                self._repeat(job) if isinstance(job, PeriodicJob) else self._keep(job),
                name=job.name,
            )
            for job in self.jobs
        ]

    async def stop(self) -> None:
        self._stopping.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=self.grace_seconds)
            for task in late:
                logger.warning("background job {!r} did not stop in time", task.get_name())
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []

    async def _keep(self, loop: Loop) -> None:
        """Run the loop; should it ever fail, start it again after a pause."""
        while not self._stopping.is_set():
            try:
                await loop.run(self._stopping)
            except Exception:
                logger.opt(exception=True).error("background loop {!r} failed", loop.name)
                await self._pause(1.0)

    async def _repeat(self, job: PeriodicJob) -> None:
        delay = job.every_seconds * random.uniform(0.1, 1.0)  # nosec B311 # noqa: S311 - spreading, not secrecy
        while not await self._pause(delay):
            delay = job.every_seconds
            try:
                outcome = await job.run()
            except Exception:
                logger.opt(exception=True).error("periodic job {!r} failed", job.name)
            else:
                logger.debug("periodic job {!r} done: {}", job.name, outcome)

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds`, or less if asked to stop; whether we are stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        return self._stopping.is_set()
