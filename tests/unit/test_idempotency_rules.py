"""What a request under an idempotency key may do, given what the key already holds."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from src.domain.idempotency import Answer, IdempotencyRecord
from src.domain.idempotency.rules import binds, judge
from src.infrastructure.errors import (
    AppError,
    Conflict,
    NotFound,
    PaymentDeclined,
    RateLimited,
    ServiceUnavailable,
    Unprocessable,
    ValidationFailed,
)

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
ANSWER = Answer(status=201, body='{"id": 1}', headers={"location": "/x"})


def record(
    *,
    fingerprint: str = "same",
    answer: Answer | None = None,
    locked_for: timedelta | None = timedelta(seconds=30),
    expires_in: timedelta = timedelta(hours=24),
) -> IdempotencyRecord:
    return IdempotencyRecord(
        user_id=uuid4(),
        key="k",
        fingerprint=fingerprint,
        claim_id=uuid4(),
        locked_until=None if locked_for is None else NOW + locked_for,
        answer=answer,
        created_at=NOW - timedelta(minutes=1),
        expires_at=NOW + expires_in,
    )


def test_a_new_key_runs() -> None:
    assert judge(None, "same", NOW) is None


def test_an_answered_key_replays_its_answer_marked_as_a_replay() -> None:
    replay = judge(record(answer=ANSWER, locked_for=None), "same", NOW)
    assert replay is not None
    assert (replay.status, replay.body, replay.headers) == (201, '{"id": 1}', {"location": "/x"})
    assert replay.replayed


def test_another_request_under_an_answered_or_running_key_is_refused() -> None:
    for held in (record(answer=ANSWER, locked_for=None), record()):
        with pytest.raises(Unprocessable) as refused:
            judge(held, "different", NOW)
        assert refused.value.code == "idempotencyKeyReused"


def test_a_key_whose_request_is_still_running_is_in_flight() -> None:
    with pytest.raises(Conflict) as refused:
        judge(record(), "same", NOW)
    assert refused.value.code == "idempotencyKeyInFlight"


def test_a_key_whose_request_died_unanswered_runs_again_after_its_lease() -> None:
    assert judge(record(locked_for=timedelta(seconds=-1)), "same", NOW) is None
    assert judge(record(locked_for=timedelta(0)), "same", NOW) is None


def test_an_expired_key_is_as_good_as_new_whatever_it_held() -> None:
    expired = timedelta(seconds=-1)
    assert judge(record(answer=ANSWER, expires_in=expired), "different", NOW) is None
    assert judge(record(expires_in=expired), "same", NOW) is None


@pytest.mark.parametrize(
    ("error", "bound"),
    [
        (Conflict("short", code="outOfStock"), True),
        (PaymentDeclined("no"), True),
        (NotFound("gone"), True),
        (ValidationFailed("bad"), True),
        (Conflict("later", code="invalidState"), True),
        (ServiceUnavailable("down", code="paymentUnavailable"), False),
        (RateLimited("slow down", retry_after=3), False),
        (Conflict("busy", code="idempotencyKeyInFlight"), False),
    ],
)
def test_business_refusals_bind_the_key_and_passing_failures_do_not(
    error: AppError, *, bound: bool
) -> None:
    assert binds(error) is bound
