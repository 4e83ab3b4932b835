"""The outbox: events commit with their change, and the relay delivers each at least once,
to each subscriber once."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import OutboxTable
from src.infrastructure.events import Event, Relay, Subscriber, list_events, record_event
from src.infrastructure.events.outbox import requeue_event
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database
TOPIC = "test.happened"


@transaction
async def raise_events(count: int, *, then_fail: bool = False) -> None:
    for number in range(count):
        await record_event(TOPIC, {"number": number})
    if then_fail:
        raise RuntimeError("the change fails after raising its events")


@transaction(readonly=True)
async def undelivered() -> int:
    statement = select(func.count()).where(OutboxTable.delivered_at.is_(None))
    return int((await (await current_connection()).execute(statement)).scalar_one())


@transaction(readonly=True)
async def delivered() -> int:
    statement = select(func.count()).where(OutboxTable.delivered_at.is_not(None))
    return int((await (await current_connection()).execute(statement)).scalar_one())


@transaction(readonly=True)
async def attempts() -> Counter[int]:
    """How many events were claimed how many times."""
    rows = await (await current_connection()).execute(select(OutboxTable.attempts))
    return Counter(row.attempts for row in rows)


class Recorder:
    """A subscriber that counts what it is handed, failing its first `failures` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: Counter[int] = Counter()
        self.failures = failures

    async def __call__(self, event: Event) -> None:
        self.calls[event.payload["number"]] += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the mail server is away")


def relay(*recorders: Recorder, **options: object) -> Relay:
    subscribers = [Subscriber(f"recorder-{n}", r) for n, r in enumerate(recorders)]
    return Relay({TOPIC: subscribers}, **options)  # type: ignore[arg-type]


@asynccontextmanager
async def an_open_change() -> AsyncIterator[None]:
    """Inside: a change that has recorded event 0 and not committed yet. On exit it commits.

    The change runs in a task of its own, as a concurrent request would, so that the relay
    under test runs outside its transaction."""
    recorded, commit = asyncio.Event(), asyncio.Event()

    @transaction
    async def change() -> None:
        await record_event(TOPIC, {"number": 0})
        recorded.set()
        await commit.wait()

    task = asyncio.create_task(change())
    try:
        # Bounded, so that a change that cannot record (say, stuck behind a lock) fails the
        # test instead of hanging it.
        await asyncio.wait_for(recorded.wait(), timeout=5)
        yield
    finally:
        commit.set()
        await asyncio.wait_for(task, timeout=5)


class Clock:
    """The outbox's clock, moved by hand: backoffs are checked to the microsecond, and
    hours of them pass without the test waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_events_of_a_rolled_back_change_never_exist(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError):
        await raise_events(3, then_fail=True)
    assert await undelivered() == 0


@pytest.mark.parametrize(("events", "relays"), [(120, 3), (2000, 2)])
async def test_several_relays_deliver_every_event_and_claim_none_twice(
    runtime: Runtime, events: int, relays: int
) -> None:
    recorder = Recorder()
    await raise_events(events)

    delivered = await asyncio.gather(
        *(relay(recorder, batch_size=25).deliver_due() for _ in range(relays))
    )

    assert sum(delivered) == events
    assert recorder.calls == Counter(dict.fromkeys(range(events), 1))
    assert await attempts() == Counter({1: events})  # every event claimed exactly once
    assert await undelivered() == 0


async def test_a_subscriber_failing_three_times_then_succeeding_delivers_once(
    runtime: Runtime,
) -> None:
    flaky, steady = Recorder(failures=3), Recorder()
    relaying = relay(steady, flaky, first_backoff=timedelta(seconds=0.05))
    await raise_events(1)

    outcomes = []
    for _ in range(4):
        outcomes.append(await relaying.deliver_due())
        await asyncio.sleep(0.05 * 2 ** len(outcomes))

    assert outcomes == [0, 0, 0, 1]
    assert flaky.calls[0] == 4
    assert steady.calls[0] == 1  # its receipt spared it the redeliveries
    assert await undelivered() == 0


async def test_a_failed_delivery_waits_for_its_backoff(runtime: Runtime) -> None:
    recorder = Recorder(failures=1)
    relaying = relay(recorder, first_backoff=timedelta(seconds=0.3))
    await raise_events(1)
    assert await relaying.deliver_due() == 0
    assert await relaying.deliver_due() == 0  # not due yet: nothing is tried
    assert recorder.calls[0] == 1
    await asyncio.sleep(0.35)
    assert await relaying.deliver_due() == 1


async def test_nothing_is_delivered_before_the_change_that_raised_it_commits(
    runtime: Runtime,
) -> None:
    recorder = Recorder()
    relaying = relay(recorder)
    on_postgres = runtime.settings.database.url.startswith("postgresql")

    async with an_open_change():
        early = asyncio.create_task(relaying.deliver_due())
        await asyncio.wait({early}, timeout=5 if on_postgres else 0.5)
        # Not vacuous: on PostgreSQL the relay did look, past the change it cannot see yet;
        # on SQLite it queues for the write lock the open change holds, and is still waiting.
        assert early.done() is on_postgres
        if on_postgres:
            assert early.result() == 0
        assert recorder.calls == Counter()
        assert await delivered() == 0
        assert await undelivered() == 0  # not even visible yet, to a relay in another process

    delivered_early = await asyncio.wait_for(early, timeout=5)
    assert delivered_early + await relaying.deliver_due() == 1
    assert recorder.calls == Counter({0: 1})
    assert await relaying.deliver_due() == 0  # and never again
    assert await delivered() == 1


async def test_retry_delays_double_after_each_failure_up_to_the_cap(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr("src.infrastructure.events.outbox.utcnow", clock)
    broken = Recorder(failures=10**6)
    relaying = relay(broken, first_backoff=timedelta(seconds=1), max_backoff=timedelta(seconds=10))
    await raise_events(1)

    delays: list[timedelta] = []
    for _ in range(6):
        assert await relaying.deliver_due() == 0
        (event,) = await list_events(status="pending", limit=10, after=None)
        delays.append(event.available_at - clock.now)
        clock.now = event.available_at  # time passes until the retry is due, and no more

    assert delays == [timedelta(seconds=s) for s in (1, 2, 4, 8, 10, 10)]
    assert broken.calls[0] == 6  # every retry was made once it was due


async def test_an_event_that_always_fails_is_dead_lettered_and_can_be_requeued(
    runtime: Runtime,
) -> None:
    broken = Recorder(failures=10**6)
    relaying = relay(broken, first_backoff=timedelta(0), max_attempts=4)
    await raise_events(1)

    for _ in range(6):
        await relaying.deliver_due()

    assert broken.calls[0] == 4  # and no more once dead
    (dead,) = await list_events(status="dead", limit=10, after=None)
    assert (dead.status, dead.attempts) == ("dead", 4)
    assert "mail server is away" in (dead.last_error or "")

    broken.failures = 0  # the mail server is back
    requeued, done = await requeue_event(dead.id)
    assert done
    assert requeued is not None
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    assert await relaying.deliver_due() == 1
    assert await list_events(status="dead", limit=10, after=None) == []
    assert [e.status for e in await list_events(status=None, limit=10, after=None)] == ["delivered"]


async def test_an_event_whose_relay_died_is_delivered_once_its_lease_runs_out(
    runtime: Runtime,
) -> None:
    await raise_events(1)
    dead = relay(lease=timedelta(seconds=0.3))
    claimed = await dead._claim()  # claims, then "dies" before delivering
    assert len(claimed) == 1
    recorder = Recorder()
    alive = relay(recorder)

    assert await alive.deliver_due() == 0  # leased to the dead relay
    await asyncio.sleep(0.35)
    assert await alive.deliver_due() == 1
    assert recorder.calls[0] == 1


async def test_a_running_relay_delivers_soon_after_commit(runtime: Runtime) -> None:
    recorder = Recorder()
    stop = asyncio.Event()
    task = asyncio.create_task(relay(recorder, poll_seconds=60).run(stop))
    try:
        await asyncio.sleep(0.05)  # the relay has looked once and is waiting
        await raise_events(2)
        for _ in range(100):
            if len(recorder.calls) == 2:
                break
            await asyncio.sleep(0.01)
        assert recorder.calls == Counter({0: 1, 1: 1})  # woken by the commit, not the poll
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=2)  # and it stops when asked


async def test_a_subscriber_reads_ahead_once_per_batch(runtime: Runtime) -> None:
    batches: list[list[int]] = []

    async def prepare(events: list[Event]) -> None:
        batches.append([event.payload["number"] for event in events])

    recorder = Recorder()
    relaying = Relay({TOPIC: [Subscriber("reader", recorder, prepare)]}, batch_size=4)
    await raise_events(10)

    assert await relaying.deliver_due() == 10
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert sorted(n for batch in batches for n in batch) == list(range(10))
    assert recorder.calls == Counter(dict.fromkeys(range(10), 1))


async def test_a_failing_read_ahead_does_not_stop_delivery(runtime: Runtime) -> None:
    async def broken(_events: list[Event]) -> None:
        raise ConnectionError("the database hiccupped")

    recorder = Recorder()
    relaying = Relay({TOPIC: [Subscriber("reader", recorder, broken)]})
    await raise_events(2)
    assert await relaying.deliver_due() == 2
