"""The real thing: migrations as a deploy step, then uvicorn serving the app in a process."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.e2e.helpers import API, PASSWORD, new_email

pytestmark = [pytest.mark.database, pytest.mark.server]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str, log_dir: Path) -> dict[str, str]:
    return os.environ | {
        "DATABASE__URL": database_url,
        "LOG__DIRECTORY": str(log_dir),
        "AUTH__PASSWORD_TIME_COST": "1",
        "AUTH__PASSWORD_MEMORY_KIB": "1024",
    }


@pytest.fixture
def server(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database and a uvicorn process serving the app on it; yields its base URL."""
    environment = _environment(empty_database_url, tmp_path / "logs")
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "uvicorn", "src.main:app", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        # A graceful stop: uvicorn finishes, then re-raises the signal it was stopped with.
        assert process.wait(timeout=15) in {0, -signal.SIGTERM}


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not start within 20 s")


def test_a_migrated_server_serves_health_docs_and_auth(server: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/health/ready").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
        assert {f"{API}/auth/{name}" for name in ("register", "login", "token")} <= set(paths)
        assert client.get("/docs").status_code == 200
        email = new_email()
        registered = client.post(
            f"{API}/auth/register",
            json={"email": email, "password": PASSWORD, "fullName": "Real Server"},
        )
        assert registered.status_code == 201
        pair = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD}).json()
        me = client.get(
            f"{API}/users/me", headers={"Authorization": f"Bearer {pair['accessToken']}"}
        )
        assert me.json()["email"] == email
        request_id = me.headers["x-request-id"]
    log_file = tmp_path / "logs" / "marketplace.log"
    deadline = time.monotonic() + 5
    while request_id not in (log_file.read_text() if log_file.exists() else ""):
        assert time.monotonic() < deadline, "the request id never reached the log file"
        time.sleep(0.1)
    assert PASSWORD not in log_file.read_text()
