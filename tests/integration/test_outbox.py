"""The outbox: events commit with their change, and the relay delivers each at least once."""

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from src.infrastructure.database import current_session, transaction
from src.infrastructure.database.tables import OutboxTable
from src.infrastructure.events import Relay, record_event
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database


@transaction
async def raise_events(count: int, *, then_fail: bool = False) -> None:
    for number in range(count):
        await record_event("test.happened", {"number": number})
    if then_fail:
        raise RuntimeError("the change fails after raising its events")


@transaction(readonly=True)
async def undelivered() -> int:
    statement = select(func.count()).where(OutboxTable.delivered_at.is_(None))
    return int((await current_session().execute(statement)).scalar_one())


class Recorder:
    def __init__(self, failures: int = 0) -> None:
        self.calls: Counter[int] = Counter()
        self.failures = failures

    async def __call__(self, payload: dict[str, Any]) -> None:
        self.calls[payload["number"]] += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the mail server is away")


async def test_events_of_a_rolled_back_change_never_exist(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError):
        await raise_events(3, then_fail=True)
    assert await undelivered() == 0


async def test_each_event_is_delivered_once_when_all_goes_well(runtime: Runtime) -> None:
    recorder = Recorder()
    await raise_events(120)
    relays = [Relay({"test.happened": recorder}, batch_size=7) for _ in range(3)]

    delivered = await asyncio.gather(*(relay.deliver_due() for relay in relays))

    assert sum(delivered) == 120
    assert recorder.calls == Counter(dict.fromkeys(range(120), 1))
    assert await undelivered() == 0


async def test_a_failed_delivery_is_retried_after_a_backoff(runtime: Runtime) -> None:
    recorder = Recorder(failures=2)
    relay = Relay({"test.happened": recorder}, first_backoff=timedelta(seconds=0.2))
    await raise_events(1)

    assert await relay.deliver_due() == 0  # failed; due again in 0.2 s
    assert await relay.deliver_due() == 0  # not due yet: nothing is tried
    assert recorder.calls[0] == 1
    await asyncio.sleep(0.25)
    assert await relay.deliver_due() == 0  # failed again; due in 0.4 s
    await asyncio.sleep(0.45)
    assert await relay.deliver_due() == 1
    assert recorder.calls[0] == 3
    assert await undelivered() == 0


async def test_an_event_whose_relay_died_is_delivered_once_its_lease_runs_out(
    runtime: Runtime,
) -> None:
    await raise_events(1)
    dead = Relay({}, lease=timedelta(seconds=0.3))
    claimed = await dead._claim()  # claims, then "dies" before delivering
    assert len(claimed) == 1
    recorder = Recorder()
    alive = Relay({"test.happened": recorder})

    assert await alive.deliver_due() == 0  # leased to the dead relay
    await asyncio.sleep(0.35)
    assert await alive.deliver_due() == 1
    assert recorder.calls[0] == 1


async def test_a_running_relay_delivers_soon_after_commit(runtime: Runtime) -> None:
    recorder = Recorder()
    relay = Relay({"test.happened": recorder}, poll_seconds=60)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)  # the relay has looked once and is waiting
        await raise_events(2)
        for _ in range(100):
            if len(recorder.calls) == 2:
                break
            await asyncio.sleep(0.01)
        assert recorder.calls == Counter({0: 1, 1: 1})  # woken by the commit, not the poll
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
