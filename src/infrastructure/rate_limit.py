"""Rate limiting on the `limits` library: in memory, or shared through Redis."""

import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from loguru import logger
from redis.asyncio import ConnectionPool

from src.infrastructure.errors import RateLimited


@dataclass(frozen=True, slots=True)
class CounterStore:
    """Where rate-limit counters live, and how to let go of its connections."""

    storage: Storage
    redis_pool: ConnectionPool | None = None

    async def aclose(self) -> None:
        if self.redis_pool is not None:
            await self.redis_pool.aclose()


def create_counter_store(storage_url: str) -> CounterStore:
    """Memory for an empty URL; `redis://...` to share counters between workers and hosts."""
    if not storage_url or storage_url.startswith("memory://"):
        return CounterStore(_as_async(storage_from_string("async+memory://")))
    if storage_url.startswith("redis"):
        # Our own pool, so the connections are closed on shutdown (limits never closes them).
        pool = ConnectionPool.from_url(storage_url)
        options: dict[str, Any] = {"connection_pool": pool}  # documented, though typed narrower
        storage = RedisStorage(f"async+{storage_url}", implementation="redispy", **options)
        return CounterStore(storage, pool)
    return CounterStore(_as_async(storage_from_string(f"async+{storage_url}")))


def _as_async(storage: object) -> Storage:
    if not isinstance(storage, Storage):
        raise TypeError("rate-limit storage must be an asyncio storage")
    return storage


class Throttle:
    """Counts events per key in a moving window and refuses once a key has used its limit."""

    def __init__(self, store: CounterStore, *, limit: str, namespace: str, enabled: bool) -> None:
        self._limiter = MovingWindowRateLimiter(store.storage)
        self._item: RateLimitItem = parse(limit)
        self._namespace = namespace
        self._enabled = enabled

    async def check(self, *keys: str) -> None:
        """Raise `RateLimited` (with the seconds to wait) if any key has used its limit."""
        if not self._enabled:
            return
        for key in keys:
            try:
                allowed = await self._limiter.test(self._item, self._namespace, key)
                if allowed:
                    continue
                stats = await self._limiter.get_window_stats(self._item, self._namespace, key)
            except Exception:
                logger.opt(exception=True).warning("rate limit storage failed; allowing")
                return
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited("Too many attempts; try again later", retry_after=retry_after)

    async def record(self, *keys: str) -> None:
        """Count one event against every key."""
        if not self._enabled:
            return
        try:
            for key in keys:
                await self._limiter.hit(self._item, self._namespace, key)
        except Exception:
            logger.opt(exception=True).warning("rate limit storage failed; not counted")
