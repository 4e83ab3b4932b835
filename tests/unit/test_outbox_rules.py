"""When a failed delivery is tried again, and when the outbox gives up on it."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from src.domain.outbox import RetryPolicy

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(
    first_backoff=timedelta(seconds=2), max_backoff=timedelta(minutes=1), max_attempts=4
)


def test_the_backoff_doubles_after_each_failed_attempt_up_to_the_cap() -> None:
    delays = [POLICY.backoff(attempts) for attempts in range(1, 8)]
    assert delays == [timedelta(seconds=s) for s in (2, 4, 8, 16, 32, 60, 60)]
    assert POLICY.backoff(10**6) == timedelta(minutes=1)  # however many, no overflow


def test_a_failure_before_the_last_attempt_is_retried_after_its_backoff() -> None:
    event_id = uuid4()
    failure = POLICY.failure(event_id, 3, "ConnectionError()", NOW)
    assert (failure.event_id, failure.error) == (event_id, "ConnectionError()")
    assert failure.retry_at == NOW + timedelta(seconds=8)
    assert failure.dead_at is None


def test_the_last_attempt_failing_makes_the_event_dead() -> None:
    assert POLICY.failure(uuid4(), 4, "boom", NOW).dead_at == NOW
    assert POLICY.gives_up(4)
    assert not POLICY.gives_up(3)
