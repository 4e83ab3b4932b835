"""Webhook rules: who may keep endpoints, which events concern them, what is sent, and what
a failed attempt leads to."""

import json
import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from pydantic.alias_generators import to_camel

from src.domain.outbox.rules import RetryPolicy
from src.domain.users.entities import Principal, Role
from src.domain.webhooks.entities import MAX_ENDPOINTS, MAX_TOPICS, Endpoint, Settled, Topic
from src.infrastructure.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed

KEEPERS = frozenset({Role.SELLER, Role.ADMIN})


class _HasEndpoint(Protocol):
    @property
    def endpoint_id(self) -> UUID: ...


def ensure_can_keep_endpoints(principal: Principal) -> None:
    """Sellers and admins keep webhook endpoints; buyers → 403."""
    if principal.role not in KEEPERS:
        raise Forbidden("Only sellers and admins may keep webhook endpoints")


def ensure_room_for_another(kept: int) -> None:
    """An owner keeps at most `MAX_ENDPOINTS` endpoints; one more → 409 `tooManyWebhooks`."""
    if kept >= MAX_ENDPOINTS:
        raise Conflict(
            f"An account keeps at most {MAX_ENDPOINTS} webhook endpoints", code="tooManyWebhooks"
        )


def ensure_visible(principal: Principal, endpoint: Endpoint | None) -> Endpoint:
    """The endpoint, to its owner or an admin; to anyone else it does not exist (404)."""
    if endpoint is None or (
        endpoint.owner_id != principal.user_id and principal.role is not Role.ADMIN
    ):
        raise NotFound("No such webhook endpoint")
    return endpoint


def check_topics(topics: Iterable[str]) -> tuple[Topic, ...]:
    """The topics, each once in the order given; an unknown one, or none, → 422."""
    wanted = list(dict.fromkeys(topics))
    known = {topic.value for topic in Topic}
    unknown = [topic for topic in wanted if topic not in known]
    if unknown or not wanted or len(wanted) > MAX_TOPICS:
        message = (
            f"unknown topics: {', '.join(unknown)}" if unknown
            else f"name 1 to {MAX_TOPICS} topics"
        )  # fmt: skip
        raise ValidationFailed(
            "The events are not topics one may subscribe to",
            errors=[FieldError(("body", "events"), message)],
        )
    return tuple(Topic(topic) for topic in wanted)


def concerns(endpoint: Endpoint, topic: str, seller_ids: Collection[UUID]) -> bool:
    """Whether an event of `topic` about `seller_ids` (the sellers whose products, orders,
    refunds or payouts it is about) goes to `endpoint`."""
    if topic not in endpoint.topics:
        return False
    return endpoint.receives_all or endpoint.owner_id in seller_ids


RowT = TypeVar("RowT", bound=_HasEndpoint)


def share(
    candidates: Sequence[RowT], limit: int, per_endpoint: int, in_flight: Mapping[UUID, int]
) -> list[RowT]:
    """Up to `limit` of `candidates` (in their order), no endpoint's past `per_endpoint`
    counting those already `in_flight`."""
    taken = Counter(in_flight)
    chosen: list[RowT] = []
    for candidate in candidates:
        if len(chosen) == limit:
            break
        if taken[candidate.endpoint_id] < per_endpoint:
            taken[candidate.endpoint_id] += 1
            chosen.append(candidate)
    return chosen


def _camel(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {to_camel(str(key)): _camel(each) for key, each in value.items()}
    if isinstance(value, list):
        return [_camel(each) for each in value]
    return value


def delivery_body(topic: str, occurred_at: datetime, payload: Mapping[str, Any]) -> str:
    """The JSON a delivery sends: `{type, timestamp, data}`, data in camelCase."""
    stamp = occurred_at.isoformat().replace("+00:00", "Z")
    body = {"type": topic, "timestamp": stamp, "data": _camel(payload)}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def settled(
    policy: RetryPolicy,
    *,
    delivery_id: UUID,
    lease_id: UUID,
    attempts: int,
    succeeded: bool,
    status: int | None,
    error: str | None,
    now: datetime,
    draw: float | None = None,
) -> Settled:
    """What the `attempts`-th attempt of a delivery leads to: done, a retry after the
    policy's jittered backoff (`draw` in [0, 1) picks where in the jitter), or dead."""
    dead = not succeeded and policy.gives_up(attempts)
    retry_at = None
    if not succeeded and not dead:
        spread = random.random() if draw is None else draw  # nosec B311 # noqa: S311 - jitter
        retry_at = now + policy.jittered_backoff(attempts, spread)
    return Settled(delivery_id, lease_id, attempts, succeeded, status, error, retry_at, dead)
