"""Per-client rate limits on every API route, with the `limits` library (pure ASGI).

Each client address gets `default_limit` requests on the API and the stricter `auth_limit`
on `/auth/*`, counted in a sliding window (two counters per client, weighted: as smooth as a
moving window for a constant cost per request, where a moving window keeps a timestamp per
request), in memory or in Redis (shared by every worker and host). Every limited response
says where the client stands (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`,
`RateLimit-Policy`, after the IETF draft); one over the limit is a 429 problem with
`Retry-After`. If the counter store fails, requests are let
through: an outage of Redis must not become an outage of the API.

Health checks, docs and metrics are not limited. Behind a proxy, set
`SERVER__FORWARDED_ALLOW_IPS` so the client address is the real client's.
"""

import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from loguru import logger
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.config.settings import RateLimitSettings
from src.infrastructure.rate_limit import CounterStore
from src.infrastructure.web.problems import problem


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: RateLimitSettings,
        api_prefix: str,
        counters: Callable[[], CounterStore],
    ) -> None:
        self.app = app
        self.enabled = settings.enabled
        self.api_prefix = api_prefix
        self.auth_prefix = f"{api_prefix}/auth/"
        self.default = parse_many(settings.default_limit)
        self.auth = parse_many(settings.auth_limit)
        self.counters = counters
        self._limiter: SlidingWindowCounterRateLimiter | None = None
        self._storage: object = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.enabled or not path.startswith(self.api_prefix):
            await self.app(scope, receive, send)
            return
        bucket, items = ("auth", self.auth) if path.startswith(self.auth_prefix) else (
            "api", self.default)  # fmt: skip
        client = scope["client"][0] if scope.get("client") else "unknown"
        verdict = await self._count(items, bucket, client)
        if verdict is None:  # the counter store failed: let the request through
            await self.app(scope, receive, send)
            return
        allowed, headers = verdict
        if not allowed:
            headers["Retry-After"] = headers["RateLimit-Reset"]
            await problem(429, "Too many requests; slow down", code="rateLimited",
                          headers=headers)(scope, receive, send)  # fmt: skip
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _count(
        self, items: list[RateLimitItem], bucket: str, client: str
    ) -> tuple[bool, dict[str, str]] | None:
        """Count the request against each limit: whether it is allowed, and the headers of
        the tightest limit; None if the counters could not be reached."""
        limiter = self._limiter_for(self.counters())
        allowed, tightest = True, None
        try:
            for item in items:
                allowed = await limiter.hit(item, bucket, client) and allowed
                stats = await limiter.get_window_stats(item, bucket, client)
                if tightest is None or stats.remaining < tightest[1].remaining:
                    tightest = (item, stats)
        except Exception:
            logger.opt(exception=True).warning("rate limit storage failed; allowing")
            return None
        if tightest is None:  # no limits configured for this route
            return allowed, {}
        item, stats = tightest
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return allowed, {
            "RateLimit-Limit": str(item.amount),
            "RateLimit-Remaining": str(max(0, stats.remaining)),
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": ", ".join(f"{i.amount};w={i.get_expiry()}" for i in items),
        }

    def _limiter_for(self, store: CounterStore) -> SlidingWindowCounterRateLimiter:
        if self._limiter is None or self._storage is not store.storage:
            self._limiter = SlidingWindowCounterRateLimiter(store.storage)
            self._storage = store.storage
        return self._limiter
