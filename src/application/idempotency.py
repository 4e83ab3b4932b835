"""Answering a request once per Idempotency-Key, for any operation that needs it.

A key is claimed in a short transaction of its own, so a concurrent duplicate sees it at once
and is told the request is in flight. The operation then runs, and its answer is recorded
**in the operation's own transaction**: the order and the key's answer commit together, or
neither does. A refusal that is the request's answer (out of stock, payment declined) is
recorded too and replayed; a passing failure (a service down) frees the key for a retry.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar
from uuid import UUID, uuid4

from loguru import logger

from src.domain.clock import utcnow
from src.domain.idempotency import Answer, Claim, IdempotencyRecord, IdempotencyRepository
from src.domain.idempotency.rules import binds, judge
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import AppError, Conflict
from src.infrastructure.runtime import runtime

ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A request sent under a key: whose it is, and a fingerprint of what it asks."""

    user_id: UUID
    key: str
    fingerprint: str


async def answer_once(
    request: IdempotentRequest,
    operation: Callable[[], Awaitable[ResultT]],
    *,
    render: Callable[[ResultT], Answer],
    render_refusal: Callable[[AppError], Answer],
    atomic: bool = True,
) -> Answer:
    """The answer to `request`: the stored one if it was answered, else `operation`'s.

    With `atomic`, the operation joins the transaction that records its answer. An operation
    that must call an outside service between transactions of its own (paying) passes
    `atomic=False`: its answer is then recorded just after it, and it must itself be safe to
    run again, as paying is, by the provider's own idempotency key.

    A refusal that binds the key is recorded and then raised as usual, so the caller turns it
    into a response the same way whether it is new or replayed.
    """
    claim = await _claim(request)
    if isinstance(claim, Answer):
        return claim
    try:
        if not atomic:
            answer = render(await operation())
            await _record_answer(claim, answer)
            return answer
        return await _run_and_record(claim, operation, render)
    except AppError as error:
        if binds(error):
            await _record_answer(claim, render_refusal(error))
        else:
            await _release(claim)
        raise
    except BaseException:
        await _release(claim)
        raise


@transaction
async def _claim(request: IdempotentRequest) -> Claim | Answer:
    """The key, claimed for this request; or the answer it already holds."""
    keys = IdempotencyRepository()
    settings = runtime().settings.idempotency
    now = utcnow()
    record = IdempotencyRecord(
        user_id=request.user_id,
        key=request.key,
        fingerprint=request.fingerprint,
        claim_id=uuid4(),
        locked_until=now + timedelta(seconds=settings.lease_seconds),
        answer=None,
        created_at=now,
        expires_at=now + timedelta(hours=settings.ttl_hours),
    )
    claim = Claim(user_id=record.user_id, key=record.key, claim_id=record.claim_id)
    if await keys.insert_if_absent(record):
        return claim
    existing = await keys.get(request.user_id, request.key, for_update=True)
    if (stored := judge(existing, request.fingerprint, now)) is not None:
        return stored
    # The key is free again (expired, or its request died unanswered): take it over.
    previous = existing.claim_id if existing is not None else uuid4()
    if not await keys.replace(record, previous_claim=previous):
        raise _in_flight()
    return claim


@transaction
async def _run_and_record(
    claim: Claim, operation: Callable[[], Awaitable[ResultT]], render: Callable[[ResultT], Answer]
) -> Answer:
    answer = render(await operation())  # the operation joins this transaction
    if not await IdempotencyRepository().answer(claim, answer):
        raise _in_flight()  # another request took the key over: undo this one's work
    return answer


@transaction
async def _record_answer(claim: Claim, answer: Answer) -> None:
    if not await IdempotencyRepository().answer(claim, answer):
        logger.warning("an idempotency key was taken over before its answer was recorded")


async def _release(claim: Claim) -> None:
    try:
        await _delete_claim(claim)
    except Exception:  # the lease runs out instead
        logger.opt(exception=True).warning("could not free an idempotency key")


@transaction
async def _delete_claim(claim: Claim) -> None:
    await IdempotencyRepository().release(claim)


def _in_flight() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly",
        code="idempotencyKeyInFlight",
    )


@transaction
async def purge_expired_keys() -> int:
    """Delete the keys past their time; how many went."""
    return await IdempotencyRepository().purge(utcnow())
