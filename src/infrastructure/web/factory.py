"""The application factory: assembles the FastAPI app from settings and routers."""

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager

from fastapi import APIRouter, FastAPI
from loguru import logger
from starlette.middleware.cors import CORSMiddleware

from src.config.settings import Settings
from src.infrastructure.logging import configure_logging
from src.infrastructure.runtime import runtime, start_runtime, stop_runtime
from src.infrastructure.scheduling import JobRunner, Loop, PeriodicJob
from src.infrastructure.web.docs import install_docs
from src.infrastructure.web.metrics import metrics_endpoint, worker_started
from src.infrastructure.web.middleware import (
    BodyLimitMiddleware,
    CompressionMiddleware,
    RequestContextMiddleware,
)
from src.infrastructure.web.openapi import install_openapi, operation_id
from src.infrastructure.web.problems import install_problem_handlers
from src.infrastructure.web.rate_limits import RateLimitMiddleware

API_PREFIX = "/api/v1"
# Response headers a browser script may read across origins.
EXPOSED_HEADERS = [
    "Location", "X-Request-ID", "Retry-After", "Idempotent-Replayed", "RateLimit-Limit",
    "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
]  # fmt: skip

# The document's server is the one that serves it: paths are relative to where it was read.
SERVERS = [
    {
        "url": "/",
        "description": "The server this document was read from: local, staging or production",
        "x-internal": False,
    }
]

DESCRIPTION = """
A marketplace backend: sellers list products, buyers order and pay, sellers ship.

Authenticate with **Authorize** (your email and password), or send
`Authorization: Bearer <accessToken>` from `POST /api/v1/auth/login`.
Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`.
"""


@contextmanager
def _start_up_objects_frozen() -> Iterator[None]:
    """Keeps the garbage collector off what start-up built, while the app serves.

    Modules, routes, schemas and the database's metadata make a heap of several hundred
    thousand objects that live as long as the worker, and every full collection walked all
    of them: a 50 ms pause, about once every 5,000 listing requests, that held up every
    request in flight and set the listing's p99 latency. Frozen, they are never scanned;
    what requests create is collected as before. Unfrozen at shutdown, so a process that
    runs the app more than once (the tests) can still reclaim an earlier app's objects.

    No collection first: start-up leaves about forty unreachable objects, and a full
    collection cost 45 ms at every start, which doubled the run time of the HTTP tests.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _no_outbox() -> dict[str, int]:
    return {}


def create_app(
    settings: Settings,
    *,
    api_routers: Sequence[APIRouter],
    root_routers: Sequence[APIRouter] = (),
    tags: Sequence[dict[str, str]] = (),
    jobs: Sequence[PeriodicJob | Loop] = (),
    outbox_counts: Callable[[], Awaitable[dict[str, int]]] | None = None,
    webhook_counts: Callable[[], Awaitable[dict[str, int]]] | None = None,
    large_bodies: Sequence[tuple[str, int]] = (),
) -> FastAPI:
    """A new app serving `api_routers` under `/api/v1` and `root_routers` at the root,
    running `jobs` in the background while it serves, and reporting `outbox_counts()` (the
    events pending and dead) and `webhook_counts()` (the deliveries) in `/metrics`. Paths
    matching a pattern of `large_bodies` (under the API prefix) take bodies of up to its size
    instead of `HTTP__MAX_BODY_BYTES`."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log)
        start_runtime(settings)
        runner = JobRunner(jobs)
        runner.start()
        worker_started()
        logger.info("marketplace started ({})", settings.environment.value)
        try:
            with _start_up_objects_frozen():
                yield
        finally:
            await runner.stop()
            await stop_runtime()
            logger.info("marketplace stopped")

    app = FastAPI(
        title="Marketplace API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=list(tags),
        generate_unique_id_function=operation_id,
        contact={"name": "Marketplace maintainers", "url": "https://example.org/marketplace"},
        license_info={"name": "MIT", "identifier": "MIT"},
    )
    install_problem_handlers(app)
    for router in root_routers:
        app.include_router(router)
    for router in api_routers:
        app.include_router(router, prefix=API_PREFIX)
    if settings.http.metrics:
        metrics = metrics_endpoint(outbox_counts or _no_outbox, webhook_counts or _no_outbox)
        app.add_route("/metrics", metrics, include_in_schema=False)
    install_docs(app)
    install_openapi(app, api_prefix=API_PREFIX, servers=SERVERS)
    # Outermost last: every response gets its id; CORS headers go on refusals too.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.http.max_body_bytes,
        larger=[(API_PREFIX + pattern, limit) for pattern, limit in large_bodies],
    )
    app.add_middleware(
        RateLimitMiddleware,
        settings=settings.rate_limit,
        api_prefix=API_PREFIX,
        counters=lambda: runtime().counters,
    )
    app.add_middleware(CompressionMiddleware, minimum_size=settings.http.gzip_min_bytes)
    if settings.http.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.http.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)
    return app
