"""CORS for configured origins, gzip for large responses, and JSON log lines."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from loguru import logger

from src.config.settings import HttpSettings, LogSettings, Settings
from src.infrastructure.logging import configure_logging
from tests.conftest import build_app, make_settings
from tests.e2e.helpers import API, PASSWORD, new_email

pytestmark = pytest.mark.database
FRONTEND = "https://shop.example.com"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, http=HttpSettings(cors_origins=[FRONTEND]))


async def test_a_configured_frontend_may_call_the_api_and_read_its_headers(
    client: AsyncClient,
) -> None:
    preflight = await client.options(
        f"{API}/orders",
        headers={"Origin": FRONTEND, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,idempotency-key"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()

    answer = await client.get(f"{API}/categories", headers={"Origin": FRONTEND})
    assert answer.headers["access-control-allow-origin"] == FRONTEND
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert {"x-request-id", "location", "retry-after", "ratelimit-remaining"} <= set(
        exposed.replace(" ", "").split(",")
    )


async def test_another_origin_gets_no_cors_grant(client: AsyncClient) -> None:
    answer = await client.get(f"{API}/categories", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


async def test_large_responses_are_gzipped_for_clients_that_accept_it(
    client: AsyncClient,
) -> None:
    schema = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert schema.headers["content-encoding"] == "gzip"
    assert schema.json()["openapi"]  # httpx inflates it
    assert "accept-encoding" in schema.headers["vary"].lower()
    small = await client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    plain = await client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == schema.json()


@pytest.fixture
async def json_logging(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    """The app, logging JSON lines to a file in `tmp_path`."""
    # DEBUG: not even the most talkative level may write a secret.
    log = LogSettings(json_lines=True, level="DEBUG", directory=tmp_path, to_file=True)
    app = build_app(settings.model_copy(update={"log": log}))
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    configure_logging(LogSettings(to_file=False, level="WARNING"))


async def test_json_log_lines_carry_request_id_route_status_and_duration_and_no_secret(
    json_logging: AsyncClient, tmp_path: Path
) -> None:
    email = new_email()
    body = {"email": email, "password": PASSWORD, "fullName": "Logged"}
    registered = await json_logging.post(f"{API}/auth/register", json=body)
    login = await json_logging.post(f"{API}/auth/login", json={"email": email,
                                                               "password": PASSWORD})  # fmt: skip
    token, refresh = login.json()["accessToken"], login.json()["refreshToken"]
    await json_logging.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
    # The other places a secret passes through: a rotation, a reuse, a logout, a wrong
    # password, a refused new password, a tampered token.
    renewed = await json_logging.post(f"{API}/auth/refresh", json={"refreshToken": refresh})
    assert renewed.status_code == 200
    reused = await json_logging.post(f"{API}/auth/refresh", json={"refreshToken": refresh})
    assert reused.status_code == 401
    renewed_refresh = renewed.json()["refreshToken"]
    await json_logging.post(f"{API}/auth/logout", json={"refreshToken": renewed_refresh})
    wrong = "a-wrong-password-123"
    failed = await json_logging.post(f"{API}/auth/login", json={"email": email, "password": wrong})
    assert failed.status_code == 401
    too_short = "short7!"
    refused = await json_logging.patch(f"{API}/users/me", json={"password": too_short},
                                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert refused.status_code == 422
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    await json_logging.get(f"{API}/users/me", headers={"Authorization": f"Bearer {tampered}"})
    await logger.complete()

    text = (tmp_path / "marketplace.log").read_text()
    records = [json.loads(line)["record"] for line in text.splitlines()]
    access = [r for r in records if r["extra"].get("route") == f"{API}/auth/register"]
    (line,) = access
    assert line["extra"]["request_id"] == registered.headers["x-request-id"]
    assert (line["extra"]["method"], line["extra"]["status"]) == ("POST", 201)
    assert isinstance(line["extra"]["duration_ms"], float)
    for secret in (PASSWORD, token, refresh, renewed_refresh, wrong, too_short, tampered):
        assert secret not in text
    assert renewed.json()["accessToken"] not in text
