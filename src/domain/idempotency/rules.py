"""What a request under an idempotency key may do, given what the key already holds."""

from dataclasses import replace
from datetime import datetime

from src.domain.idempotency.entities import Answer, IdempotencyRecord
from src.infrastructure.errors import (
    AppError,
    Conflict,
    RateLimited,
    ServiceUnavailable,
    Unprocessable,
)


def judge(record: IdempotencyRecord | None, fingerprint: str, now: datetime) -> Answer | None:
    """The answer to replay; None if the request should run (the key is new, expired, or
    its first request died unanswered); refused if the key holds another request or one
    that is still running."""
    if record is None or record.expires_at <= now:
        return None
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different request",
            code="idempotencyKeyReused",
        )
    if record.answer is not None:
        return replace(record.answer, replayed=True)
    if record.locked_until is not None and record.locked_until > now:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly",
            code="idempotencyKeyInFlight",
        )
    return None


def binds(error: AppError) -> bool:
    """Whether a refusal is the request's answer, kept and replayed like a success.

    A business refusal (out of stock, payment declined) is; a passing condition (a service
    down, a rate limit, another request holding the key) binds nothing, so a retry may run.
    """
    passing = (
        isinstance(error, ServiceUnavailable | RateLimited)
        or error.code == "idempotencyKeyInFlight"
    )
    return not passing
