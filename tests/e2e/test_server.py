"""The real thing: migrations as a deploy step, then uvicorn serving the app in a process."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import API, PASSWORD, new_email
from tests.e2e.servers import migrate, server_environment, serving

pytestmark = [pytest.mark.database, pytest.mark.server]


@pytest.fixture
def server(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database and a uvicorn process serving the app on it; yields its base URL."""
    environment = server_environment(empty_database_url, tmp_path / "logs")
    migrate(environment)
    with serving(environment) as base_url:
        yield base_url


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
