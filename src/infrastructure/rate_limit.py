"""Rate limiting on the `limits` library: in memory, or shared through Redis."""

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from loguru import logger

from src.infrastructure.errors import RateLimited


def create_storage(storage_url: str) -> Storage:
    """Memory storage for an empty URL; otherwise `redis://...` (shared by every worker)."""
    url = storage_url or "memory://"
    storage = storage_from_string(url if url.startswith("async+") else f"async+{url}")
    if not isinstance(storage, Storage):
        raise TypeError(f"{url!r} does not name an asyncio rate-limit storage")
    return storage


class Throttle:
    """Counts events per key in a moving window and refuses once a key has used its limit."""

    def __init__(self, storage: Storage, *, limit: str, namespace: str, enabled: bool) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
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
