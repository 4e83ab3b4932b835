"""Webhook rules: the backoff schedule, topics, which events reach which endpoint, and the
body every attempt sends."""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.outbox import RetryPolicy
from src.domain.users import Principal, Role
from src.domain.webhooks import Endpoint, Topic
from src.domain.webhooks.rules import (
    check_topics,
    concerns,
    delivery_body,
    ensure_can_keep_endpoints,
    ensure_room_for_another,
    ensure_visible,
    settled,
    share,
)
from src.infrastructure.errors import Conflict, Forbidden, NotFound, ValidationFailed

# The contract's defaults: 5 s, doubling up to an hour, dead after 8 attempts.
POLICY = RetryPolicy(
    first_backoff=timedelta(seconds=5), max_backoff=timedelta(hours=1), max_attempts=8,
    jitter=0.2,
)  # fmt: skip
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_the_backoff_doubles_from_five_seconds_up_to_an_hour() -> None:
    seconds = [POLICY.backoff(attempt).total_seconds() for attempt in range(1, 13)]
    assert seconds == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]


@given(attempts=st.integers(1, 10_000), draw=st.floats(0, 1, exclude_max=True))
def test_jitter_stays_within_a_fifth_of_the_backoff_and_under_the_cap(
    attempts: int, draw: float
) -> None:
    nominal = POLICY.backoff(attempts)
    jittered = POLICY.jittered_backoff(attempts, draw)
    assert nominal * 0.8 <= jittered <= min(nominal * 1.2, POLICY.max_backoff)


def outcome(attempts: int, *, succeeded: bool = False, draw: float = 0.5) -> tuple[object, ...]:
    result = settled(
        POLICY, delivery_id=uuid4(), lease_id=uuid4(), attempts=attempts, succeeded=succeeded,
        status=None if succeeded else 503, error=None, now=NOW, draw=draw,
    )  # fmt: skip
    return result.succeeded, result.dead, result.retry_at


def test_a_failed_attempt_is_retried_until_the_eighth_which_is_dead() -> None:
    assert [outcome(n)[1] for n in range(1, 9)] == [False] * 7 + [True]
    assert outcome(1) == (False, False, NOW + timedelta(seconds=5))
    assert outcome(3, draw=0.0) == (False, False, NOW + timedelta(seconds=16))
    assert outcome(8) == (False, True, None)
    assert outcome(8, succeeded=True) == (True, False, None)


def test_topics_are_checked_and_kept_once_in_order() -> None:
    assert check_topics(["order.paid", "product.archived", "order.paid"]) == (
        Topic.ORDER_PAID, Topic.PRODUCT_ARCHIVED,
    )  # fmt: skip
    assert set(check_topics([topic.value for topic in Topic])) == set(Topic)
    for wrong in (["order.refunded"], [], ["user.registered"]):
        with pytest.raises(ValidationFailed):
            check_topics(wrong)


def endpoint(owner: UUID, *topics: Topic, receives_all: bool = False) -> Endpoint:
    return Endpoint(
        id=uuid4(), owner_id=owner, receives_all=receives_all, url="https://h.example.com",
        topics=topics, description="", created_at=NOW,
    )  # fmt: skip


def test_a_sellers_endpoint_gets_only_its_own_events_of_its_topics() -> None:
    seller, other = uuid4(), uuid4()
    mine = endpoint(seller, Topic.ORDER_PAID, Topic.PRODUCT_ARCHIVED)
    assert concerns(mine, "order.paid", {seller, other})
    assert not concerns(mine, "order.paid", {other})
    assert not concerns(mine, "order.placed", {seller})
    assert concerns(mine, "product.archived", {seller})
    admins = endpoint(uuid4(), Topic.ORDER_PAID, receives_all=True)
    assert concerns(admins, "order.paid", {other})
    assert concerns(admins, "order.paid", set())
    assert not concerns(admins, "order.shipped", {other})


def test_endpoints_are_kept_by_sellers_and_admins_and_seen_by_their_owner_or_an_admin() -> None:
    seller = Principal(user_id=uuid4(), role=Role.SELLER)
    with pytest.raises(Forbidden):
        ensure_can_keep_endpoints(Principal(user_id=uuid4(), role=Role.BUYER))
    ensure_can_keep_endpoints(seller)
    mine = endpoint(seller.user_id, Topic.ORDER_PAID)
    assert ensure_visible(seller, mine) is mine
    assert ensure_visible(Principal(user_id=uuid4(), role=Role.ADMIN), mine) is mine
    for nobody, found in ((Principal(user_id=uuid4(), role=Role.SELLER), mine), (seller, None)):
        with pytest.raises(NotFound):
            ensure_visible(nobody, found)


def test_the_body_is_type_timestamp_and_camel_case_data() -> None:
    order_id = uuid4()
    body = delivery_body("order.paid", NOW, {"order_id": str(order_id), "seller_ids": []})
    assert json.loads(body) == {
        "type": "order.paid",
        "timestamp": "2026-12-04T10:00:00Z",
        "data": {"orderId": str(order_id), "sellerIds": []},
    }


@dataclass(frozen=True)
class Due:
    endpoint_id: UUID


@given(
    owners=st.lists(st.integers(0, 4), max_size=60),
    limit=st.integers(1, 20),
    per_endpoint=st.integers(1, 5),
    busy=st.dictionaries(st.integers(0, 4), st.integers(0, 6)),
)
def test_slots_are_shared_so_no_endpoint_takes_more_than_its_part(
    owners: list[int], limit: int, per_endpoint: int, busy: dict[int, int]
) -> None:
    endpoints = [UUID(int=n) for n in range(5)]
    candidates = [Due(endpoints[n]) for n in owners]
    in_flight = {endpoints[n]: count for n, count in busy.items()}
    chosen = share(candidates, limit, per_endpoint, in_flight)
    assert len(chosen) <= limit
    counts = Counter(each.endpoint_id for each in chosen)
    for endpoint_id, count in counts.items():
        assert count + in_flight.get(endpoint_id, 0) <= per_endpoint
    # Short of the limit, every endpoint got all the room it had.
    if len(chosen) < limit:
        offered = Counter(each.endpoint_id for each in candidates)
        for endpoint_id, count in offered.items():
            room = max(per_endpoint - in_flight.get(endpoint_id, 0), 0)
            assert counts[endpoint_id] == min(room, count)


def test_an_owner_keeps_at_most_ten_endpoints() -> None:
    ensure_room_for_another(9)
    with pytest.raises(Conflict) as refused:
        ensure_room_for_another(10)
    assert refused.value.code == "tooManyWebhooks"
