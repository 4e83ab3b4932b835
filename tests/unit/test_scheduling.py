"""Periodic background jobs: they repeat, survive a failing run, and stop with the app."""

import asyncio

from src.infrastructure.scheduling import JobRunner, Loop, PeriodicJob


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


async def test_a_loop_is_asked_to_stop_and_finishes_its_work_first() -> None:
    finished: list[str] = []

    async def worker(stop: asyncio.Event) -> None:
        await stop.wait()
        await asyncio.sleep(0.05)  # the work in hand when asked to stop
        finished.append("cleanly")

    runner = JobRunner([Loop("worker", worker)])
    runner.start()
    await asyncio.sleep(0.05)
    await runner.stop()

    assert finished == ["cleanly"]


async def test_a_loop_that_will_not_stop_is_cancelled_after_the_grace_period() -> None:
    async def stubborn(_stop: asyncio.Event) -> None:
        await asyncio.sleep(3600)

    runner = JobRunner([Loop("stubborn", stubborn)], grace_seconds=0.05)
    runner.start()
    await asyncio.wait_for(runner.stop(), timeout=2)
