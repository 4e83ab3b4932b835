"""Prometheus metrics at `/metrics`.

- `http_requests_total` and `http_request_duration_seconds`, by method, route template (never
  the raw path, which would explode the series) and status; `http_requests_in_progress`, by
  method, summed over the live workers. A method outside HTTP's own (WebDAV's `PROPFIND`,
  say, which the server's parser lets through) is counted as `OTHER`, so no client adds series;
- `db_connections_in_use`, by engine (`write`, `read`), summed over the live workers;
- `outbox_events`, pending and dead, and `webhook_deliveries`, pending and dead, read from
  the database when scraped.

Under gunicorn every worker is a process of its own: with `PROMETHEUS_MULTIPROC_DIR` set (the
gunicorn configuration in `src/gunicorn_conf.py` sets and empties it) each worker writes its
figures to files there and any worker answering a scrape adds them all up.
"""

import functools
import os
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONNECTIONS = Gauge(
    "db_connections_in_use",
    "Database connections checked out of the pool",
    ["engine"],
    multiprocess_mode="livesum",
)
OUTBOX = Gauge(
    "outbox_events",
    "Outbox events not delivered: pending (due or backing off) and dead letters",
    ["state"],
    multiprocess_mode="max",  # every worker reads the same database: any answer will do
)
WEBHOOK_DELIVERIES = Gauge(
    "webhook_deliveries",
    "Webhook deliveries not made: pending (due, in flight or backing off) and dead",
    ["state"],
    multiprocess_mode="max",
)
IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "HTTP requests received and not yet answered",
    ["method"],
    multiprocess_mode="livesum",
)
WORKERS = Gauge(
    "marketplace_worker_up",
    "1 for each live worker process (one series per process id under gunicorn)",
    multiprocess_mode="liveall",
)
UNMATCHED = "unmatched"  # requests no route matched (404s, probes): one series for all
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


def worker_started() -> None:
    WORKERS.set(1)


# Labelled series, looked up once: `labels()` validates and locks on every call.
_CONNECTIONS_WRITE, _CONNECTIONS_READ = CONNECTIONS.labels("write"), CONNECTIONS.labels("read")


def _method(method: str) -> str:
    return method if method in METHODS else "OTHER"


@functools.cache
def _in_progress(method: str) -> Any:
    return IN_PROGRESS.labels(method)


@functools.cache
def _series(method: str, route: str, status: int) -> tuple[Any, Any]:
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route)


def request_started(method: str) -> None:
    _in_progress(_method(method)).inc()


def record_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """A request answered (or given up on): counted, timed, and no longer in progress."""
    method = _method(method)
    _in_progress(method).dec()
    count, latency = _series(method, route or UNMATCHED, status)
    count.inc()
    latency.observe(seconds)


def record_pool(write_in_use: int, read_in_use: int) -> None:
    _CONNECTIONS_WRITE.set(write_in_use)
    _CONNECTIONS_READ.set(read_in_use)


Counts = Callable[[], Awaitable[dict[str, int]]]


async def _no_counts() -> dict[str, int]:
    return {}


def metrics_endpoint(
    outbox_counts: Counts, webhook_counts: Counts = _no_counts
) -> Callable[[Request], Awaitable[Response]]:
    """The `/metrics` handler; `outbox_counts` and `webhook_counts` read the backlogs when
    scraped."""

    async def metrics(_request: Request) -> Response:
        for gauge, counts in ((OUTBOX, outbox_counts), (WEBHOOK_DELIVERIES, webhook_counts)):
            try:
                for state, count in (await counts()).items():
                    gauge.labels(state).set(count)
            except Exception:  # the other figures are still worth answering with
                logger.opt(exception=True).warning("could not read a backlog for /metrics")
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

    return metrics


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry
