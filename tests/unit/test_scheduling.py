"""Periodic background jobs: they repeat, survive a failing run, and stop with the app."""

import asyncio

from src.infrastructure.scheduling import JobRunner, PeriodicJob


async def test_a_job_repeats_survives_failures_and_stops() -> None:
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) % 2:
            raise RuntimeError("every other run fails")

    runner = JobRunner([PeriodicJob("flaky", every_seconds=0.01, run=flaky)])
    runner.start()
    for _ in range(200):
        if len(runs) >= 5:
            break
        await asyncio.sleep(0.01)
    await runner.stop()
    stopped_at = len(runs)
    await asyncio.sleep(0.05)

    assert stopped_at >= 5
    assert len(runs) == stopped_at  # nothing runs after stop
