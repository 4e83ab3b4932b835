"""gunicorn's configuration, from the same settings as the app (environment, then `.env`):

    gunicorn -c python:src.gunicorn_conf src.main:app

Uvicorn workers (`uvicorn_worker.UvicornWorker`), `SERVER__*` for the bind address, worker
count and timeouts, and Prometheus' multiprocess mode: every worker writes its metrics to
files in one folder, emptied when gunicorn starts, and `/metrics` adds them up.
"""

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from src.config.settings import Settings

_server = Settings().server

bind = _server.bind
workers = _server.workers
worker_class = "uvicorn_worker.UvicornWorker"
graceful_timeout = _server.graceful_timeout
timeout = _server.timeout
keepalive = 5
forwarded_allow_ips = _server.forwarded_allow_ips
accesslog = None  # the app writes one access line per request itself, with its request id

# Set before any worker imports prometheus_client, which reads it once, at import. A folder of
# this gunicorn's own unless one is given: two servers on a host must not share one.
_METRICS_DIR = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="marketplace-metrics-")
    )
)


def on_starting(_server: Any) -> None:
    """Empty the metrics folder: figures of a previous run must not be added in."""
    shutil.rmtree(_METRICS_DIR, ignore_errors=True)
    _METRICS_DIR.mkdir(parents=True)


def child_exit(_server: Any, worker: Any) -> None:
    """Forget a dead worker's live gauges (its counters stay in the totals)."""
    from prometheus_client import multiprocess  # noqa: PLC0415 - imported by workers only

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
