"""The outbox: events commit with their change, and the relay delivers each at least once,
to each subscriber once."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from src.application import admin
from src.application import relay as relay_module
from src.application.events import raise_event
from src.application.relay import Relay
from src.domain.events import DomainEvent
from src.domain.outbox import Event, RetryPolicy
from src.domain.users import Principal, Role
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.outages import database_unavailable
from src.infrastructure.database.tables import OutboxTable
from src.infrastructure.errors import ServiceUnavailable, Undeliverable
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database
TOPIC = "test.happened"
ADMIN = Principal(user_id=uuid4(), role=Role.ADMIN)


class Happened(DomainEvent):
    topic = TOPIC

    number: int


@transaction
async def raise_events(count: int, *, then_fail: bool = False) -> None:
    for number in range(count):
        await raise_event(Happened(number=number))
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


async def list_events(status: str | None) -> list[Event]:
    return (await admin.browse_events(principal=ADMIN, status=status, limit=10, cursor=None)).items


async def read_nothing(_events: Sequence[Event]) -> None:
    return None


@dataclass
class Recorder:
    """A subscriber that counts what it is handed, failing its first `failures` calls."""

    name: str = "recorder"
    failures: int = 0
    prepare: Callable[[Sequence[Event]], Awaitable[object]] = read_nothing
    topics: frozenset[str] = frozenset({TOPIC})
    calls: Counter[int] = field(default_factory=Counter)
    prepared: list[object] = field(default_factory=list)

    async def handle(self, event: Event, prepared: object) -> None:
        self.calls[event.payload["number"]] += 1
        self.prepared.append(prepared)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the mail server is away")


def relay(*recorders: Recorder, **options: Any) -> Relay:
    return Relay(recorders, **options)


@asynccontextmanager
async def an_open_change() -> AsyncIterator[None]:
    """Inside: a change that has recorded event 0 and not committed yet. On exit it commits.

    The change runs in a task of its own, as a concurrent request would, so that the relay
    under test runs outside its transaction."""
    recorded, commit = asyncio.Event(), asyncio.Event()

    @transaction
    async def change() -> None:
        await raise_event(Happened(number=0))
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
    """The relay's clock, moved by hand: backoffs are checked to the microsecond, and
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
    flaky, steady = Recorder("flaky", failures=3), Recorder("steady")
    relaying = relay(steady, flaky, retry=RetryPolicy(first_backoff=timedelta(seconds=0.05)))
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
    relaying = relay(recorder, retry=RetryPolicy(first_backoff=timedelta(seconds=0.3)))
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


async def test_retry_delays_double_after_each_failure_up_to_the_cap(runtime: Runtime) -> None:
    await raise_events(1)
    clock = Clock()
    broken = Recorder(failures=10**6)
    retry = RetryPolicy(first_backoff=timedelta(seconds=1), max_backoff=timedelta(seconds=10))
    relaying = relay(broken, retry=retry, clock=clock)

    delays: list[timedelta] = []
    for _ in range(6):
        assert await relaying.deliver_due() == 0
        (event,) = await list_events("pending")
        delays.append(event.available_at - clock.now)
        clock.now = event.available_at  # time passes until the retry is due, and no more

    assert delays == [timedelta(seconds=s) for s in (1, 2, 4, 8, 10, 10)]
    assert broken.calls[0] == 6  # every retry was made once it was due


async def test_an_event_that_always_fails_is_dead_lettered_and_can_be_requeued(
    runtime: Runtime,
) -> None:
    broken = Recorder(failures=10**6)
    relaying = relay(broken, retry=RetryPolicy(first_backoff=timedelta(0), max_attempts=4))
    await raise_events(1)

    for _ in range(6):
        await relaying.deliver_due()

    assert broken.calls[0] == 4  # and no more once dead
    (dead,) = await list_events("dead")
    assert (dead.status, dead.attempts) == ("dead", 4)
    assert "mail server is away" in (dead.last_error or "")

    broken.failures = 0  # the mail server is back
    requeued = await admin.requeue(principal=ADMIN, event_id=dead.id)
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    assert await relaying.deliver_due() == 1
    assert await list_events("dead") == []
    assert [e.status for e in await list_events(None)] == ["delivered"]


async def test_an_event_a_subscriber_cannot_deliver_is_dead_lettered_at_once(
    runtime: Runtime,
) -> None:
    """`Undeliverable`: an outside service's answer that no retry mends (a provider refusing
    a refund as more than is left of its charge) goes to an admin, not round the backoff."""

    @dataclass
    class Refused(Recorder):
        async def handle(self, event: Event, prepared: object) -> None:
            await super().handle(event, prepared)
            raise Undeliverable("the provider says more than is left of the charge")

    refused, steady = Refused("refused"), Recorder()
    relaying = relay(steady, refused, retry=RetryPolicy(first_backoff=timedelta(0)))
    await raise_events(1)

    assert await relaying.deliver_due() == 0
    (dead,) = await list_events("dead")
    assert dead.attempts == 1
    assert "more than is left" in (dead.last_error or "")
    assert await relaying.deliver_due() == 0  # not retried
    assert sum(refused.calls.values()) == 1
    assert steady.calls == Counter({0: 1})


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


async def test_a_batch_whose_outcome_could_not_be_recorded_is_recorded_once_the_database_is_back(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not left to wait out its lease (a minute by default), nor handled again."""
    await raise_events(2)
    failing = Recorder("failing", failures=1)
    recorder = Recorder()
    relaying = relay(
        recorder, failing, lease=timedelta(hours=1),
        retry=RetryPolicy(first_backoff=timedelta(seconds=1)),
    )  # fmt: skip
    settle = relay_module._settle

    async def away(*_arguments: object) -> None:
        raise database_unavailable()

    monkeypatch.setattr(relay_module, "_settle", away)
    with pytest.raises(ServiceUnavailable):
        await relaying.deliver_due()
    assert await undelivered() == 2

    monkeypatch.setattr(relay_module, "_settle", settle)  # the database is back
    assert await relaying.deliver_due() == 1  # the one no subscriber failed
    assert recorder.calls == Counter({0: 1, 1: 1})  # the receipts were recorded: not again
    assert sum(failing.calls.values()) == 2
    (failed,) = await list_events("pending")
    assert "mail server is away" in (failed.last_error or "")
    assert failed.available_at < datetime.now(UTC) + timedelta(seconds=1)  # its backoff
    await asyncio.sleep(1.05)  # its backoff, not its lease
    assert await relaying.deliver_due() == 1
    assert recorder.calls == Counter({0: 1, 1: 1})
    assert sum(failing.calls.values()) == 3
    assert await delivered() == 2


async def test_a_batch_claimed_just_before_the_database_went_away_waits_its_backoff_not_its_lease(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await raise_events(2)
    recorder = Recorder()
    relaying = relay(
        recorder, lease=timedelta(hours=1), retry=RetryPolicy(first_backoff=timedelta(seconds=1))
    )
    receipts = relay_module._receipts

    async def away(*_arguments: object) -> None:
        monkeypatch.setattr(relay_module, "_receipts", receipts)  # back for the next call
        raise database_unavailable()

    monkeypatch.setattr(relay_module, "_receipts", away)
    assert await relaying.deliver_due() == 0
    assert recorder.calls == Counter()
    pending = await list_events("pending")
    assert [e.attempts for e in pending] == [1, 1]
    assert all(e.available_at < datetime.now(UTC) + timedelta(seconds=1) for e in pending)
    await asyncio.sleep(1.05)
    assert await relaying.deliver_due() == 2
    assert recorder.calls == Counter({0: 1, 1: 1})


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

    async def prepare(events: Sequence[Event]) -> None:
        batches.append([event.payload["number"] for event in events])

    recorder = Recorder("reader", prepare=prepare)
    relaying = relay(recorder, batch_size=4)
    await raise_events(10)

    assert await relaying.deliver_due() == 10
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert sorted(n for batch in batches for n in batch) == list(range(10))
    assert recorder.calls == Counter(dict.fromkeys(range(10), 1))


async def test_a_failing_read_ahead_does_not_stop_delivery(runtime: Runtime) -> None:
    async def broken(_events: Sequence[Event]) -> None:
        raise ConnectionError("the database hiccupped")

    recorder = Recorder("reader", prepare=broken)
    await raise_events(2)
    assert await relay(recorder).deliver_due() == 2
    assert recorder.prepared == [None, None]  # handling was told nothing was read ahead


async def test_subscribers_sharing_a_prepare_share_one_call_per_batch(runtime: Runtime) -> None:
    reads: list[list[int]] = []

    async def read(events: Sequence[Event]) -> int:
        reads.append([event.payload["number"] for event in events])
        return len(events)

    first, second = Recorder("first", prepare=read), Recorder("second", failures=1, prepare=read)
    alone = Recorder("alone")
    await raise_events(3)
    relaying = relay(first, second, alone, retry=RetryPolicy(first_backoff=timedelta(0)))

    assert await relaying.deliver_due() == 2  # "second" failed on event 0
    assert reads == [[0, 1, 2]]  # once for both, not once per subscriber
    assert first.prepared == [3, 3, 3]
    assert alone.prepared == [None, None]  # it has no read of its own; 0 stopped at "second"
    assert await relaying.deliver_due() == 1
    assert reads == [[0, 1, 2], [0]]  # only what is left to handle: "first" has its receipt
    assert first.calls == alone.calls == Counter({0: 1, 1: 1, 2: 1})
    assert second.calls == Counter({0: 2, 1: 1, 2: 1})


def test_subscribers_are_named_apart_because_names_key_their_receipts() -> None:
    with pytest.raises(ValueError, match="must differ"):
        relay(Recorder("twin"), Recorder("twin"))
