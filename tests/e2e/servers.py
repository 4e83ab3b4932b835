"""Real server processes for end-to-end tests: migrations as a deploy step, then uvicorn or
gunicorn serving the app, exactly as the README runs them."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from src.config.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(database_url: str, log_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a test server runs in: its own database, log and image folders (the
    images beside the logs), cheap hashing."""
    return (
        os.environ
        | {
            "DATABASE__URL": database_url,
            "LOG__DIRECTORY": str(log_dir),
            "MEDIA__ROOT": str(log_dir.parent / "media"),
            "AUTH__PASSWORD_TIME_COST": "1",
            "AUTH__PASSWORD_MEMORY_KIB": "1024",
            # Tests drive many requests from one address; the limits have tests of their own.
            "RATE_LIMIT__DEFAULT_LIMIT": "100000/minute",
            "RATE_LIMIT__AUTH_LIMIT": "100000/minute",
        }
        | extra
    )


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


@contextmanager
def fresh_database(folder: Path, postgres_url: str, *, purpose: str) -> Iterator[str]:
    """An empty database, dropped afterwards: a SQLite file in `folder`, or a new database
    (named after `purpose`) on the PostgreSQL server `postgres_url` names."""
    if not postgres_url:
        yield f"sqlite+aiosqlite:///{folder / f'{purpose}.db'}"
        return
    name = f"marketplace_{purpose}_{uuid4().hex[:8]}"
    asyncio.run(_admin(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def migrate(environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


@contextmanager
def serving(environment: dict[str, str], *, workers: int = 0) -> Iterator[str]:
    """A server on a free port; yields its base URL. `workers` > 0 runs gunicorn with that
    many uvicorn workers, else a single uvicorn process."""
    with serving_process(environment, workers=workers) as (base_url, _):
        yield base_url


@contextmanager
def serving_process(
    environment: dict[str, str], *, workers: int = 0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As `serving`, also yielding the server's process (gunicorn's master, or uvicorn)."""
    port = free_port()
    if workers:  # the README's production recipe
        command = [sys.executable, "-m", "gunicorn", "-c", "python:src.gunicorn_conf",
                   "src.main:app"]  # fmt: skip
        environment = environment | {
            "SERVER__BIND": f"127.0.0.1:{port}", "SERVER__WORKERS": str(workers),
            "SERVER__GRACEFUL_TIMEOUT": "20",
        }  # fmt: skip
    else:
        command = [sys.executable, "-m", "uvicorn", "src.main:app", "--port", str(port)]
    base_url = f"http://127.0.0.1:{port}"
    with _process(command, environment, f"{base_url}/health/ready", "the server") as process:
        yield base_url, process
        process.send_signal(signal.SIGTERM)
        # A graceful stop: the server finishes, then exits (uvicorn re-raises the signal).
        assert process.wait(timeout=30) in {0, -signal.SIGTERM}


@contextmanager
def stand_in_provider(*, stall_seconds: float = 2.0) -> Iterator[str]:
    """The stand-in payment provider (`python -m mock.payments`) in its own process; yields
    its base URL. Its `timeout` faults stall for `stall_seconds`."""
    port = free_port()
    command = [
        sys.executable, "-m", "mock.payments", "--port", str(port),
        "--stall-seconds", str(stall_seconds),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with _process(command, None, f"{url}/health", "the stand-in provider"):
        yield url


@contextmanager
def stand_in_mail(smtp_port: int | None = None) -> Iterator[tuple[int, str]]:
    """The stand-in mail server (`python -m mock.mail`) in its own process; yields its SMTP
    port and the base URL of its HTTP side."""
    smtp_port = smtp_port or free_port()
    http_port = free_port()
    command = [
        sys.executable, "-m", "mock.mail",
        "--smtp-port", str(smtp_port), "--http-port", str(http_port),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{http_port}"
    with _process(command, None, f"{url}/health", "the stand-in mail server"):
        yield smtp_port, url


@contextmanager
def stand_in_receiver(port: int, secret: str, *, stall_seconds: float = 2.0) -> Iterator[str]:
    """The stand-in webhook receiver (`python -m mock.webhooks`) on `port`, verifying with
    `secret`, in its own process; yields its base URL."""
    command = [
        sys.executable, "-m", "mock.webhooks", "--port", str(port), "--secret", secret,
        "--stall-seconds", str(stall_seconds),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with _process(command, None, f"{url}/health", "the stand-in webhook receiver"):
        yield url


@contextmanager
def _process(
    command: list[str], environment: dict[str, str] | None, health_url: str, what: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A process of ours, once `health_url` answers 200; terminated afterwards if still up."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=PROJECT_ROOT, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not answers(health_url):
            assert process.poll() is None, f"{what} exited during start-up"
            assert time.monotonic() < deadline, f"{what} did not start within 30 s"
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def worker_pids(master: subprocess.Popen[bytes]) -> set[int]:
    """The processes gunicorn's master has forked (Linux' /proc)."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
    return {int(pid) for pid in children.split()}


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(check: Callable[[], bool], *, seconds: float = 15, what: str = "it") -> None:
    """Poll `check` until it holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.1)
