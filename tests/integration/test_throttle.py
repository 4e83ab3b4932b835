"""Failed-login throttling: per key, in memory or shared by every worker through Redis."""

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from src.infrastructure.errors import RateLimited
from src.infrastructure.rate_limit import CounterStore, Throttle, create_counter_store

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
STORAGES = ["", *([REDIS_URL] if REDIS_URL else [])]


@pytest.fixture
async def stores() -> AsyncIterator[list[CounterStore]]:
    """Counter stores opened by a test, closed after it."""
    opened: list[CounterStore] = []
    yield opened
    for store in opened:
        await store.aclose()


def _throttle(
    stores: list[CounterStore], storage_url: str, namespace: str, *, enabled: bool = True
) -> Throttle:
    stores.append(store := create_counter_store(storage_url))
    return Throttle(store, limit="3/minute", namespace=namespace, enabled=enabled)


@pytest.mark.parametrize("storage_url", STORAGES)
async def test_a_key_is_refused_once_it_has_used_its_limit(
    stores: list[CounterStore], storage_url: str
) -> None:
    throttle = _throttle(stores, storage_url, uuid4().hex)
    for _ in range(3):
        await throttle.check("address:1", "email:a")
        await throttle.record("address:1", "email:a")
    with pytest.raises(RateLimited) as raised:
        await throttle.check("address:2", "email:a")
    assert 1 <= raised.value.retry_after <= 60
    await throttle.check("address:2", "email:b")  # other keys are untouched


async def test_a_disabled_throttle_never_refuses(stores: list[CounterStore]) -> None:
    throttle = _throttle(stores, "", uuid4().hex, enabled=False)
    for _ in range(10):
        await throttle.record("address:1")
    await throttle.check("address:1")


@pytest.mark.redis
@pytest.mark.xdist_group("redis")  # one process for both Redis tests: the other flushes it
@pytest.mark.skipif(not REDIS_URL, reason="shared counters need TEST_REDIS_URL (CI sets it)")
async def test_workers_share_the_count_through_redis(stores: list[CounterStore]) -> None:
    namespace = uuid4().hex
    worker_a = _throttle(stores, REDIS_URL, namespace)
    worker_b = _throttle(stores, REDIS_URL, namespace)
    for _ in range(3):
        await worker_a.record("email:shared")
    with pytest.raises(RateLimited):
        await worker_b.check("email:shared")
