"""Per-client rate limits on every API route: stricter on auth, 429 with Retry-After and
RateLimit headers, and shared across workers through Redis."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient

from src.config.settings import RateLimitSettings, Settings
from tests.conftest import build_app, make_settings
from tests.e2e.helpers import API, problem_of
from tests.e2e.servers import migrate, server_environment, serving

pytestmark = pytest.mark.database


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        rate_limit=RateLimitSettings(default_limit="5/minute", auth_limit="2/minute"),
    )


@pytest.fixture
async def app_clients(settings: Settings) -> AsyncIterator[tuple[AsyncClient, AsyncClient]]:
    """Two clients at different addresses, on one app."""
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        first = ASGITransport(app=app, client=("203.0.113.1", 1000))
        second = ASGITransport(app=app, client=("203.0.113.2", 1000))
        async with (
            AsyncClient(transport=first, base_url="http://test") as one,
            AsyncClient(transport=second, base_url="http://test") as two,
        ):
            yield one, two


async def test_a_client_over_its_limit_gets_429_with_when_to_retry(
    app_clients: tuple[AsyncClient, AsyncClient],
) -> None:
    client, other = app_clients
    answers = [await client.get(f"{API}/products") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["4", "3", "2", "1", "0"]
    assert {a.headers["ratelimit-limit"] for a in answers} == {"5"}
    assert answers[0].headers["ratelimit-policy"] == "5;w=60"
    assert 0 < int(answers[-1].headers["ratelimit-reset"]) <= 60

    refused = await client.get(f"{API}/products")

    problem_of(refused, 429, "rateLimited")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["x-request-id"]
    assert (await other.get(f"{API}/products")).status_code == 200  # another client is fine


async def test_auth_has_a_stricter_limit_of_its_own(
    app_clients: tuple[AsyncClient, AsyncClient],
) -> None:
    client, _ = app_clients
    login = {"email": "nobody@example.com", "password": "irrelevant"}
    statuses = [(await client.post(f"{API}/auth/token", data={"username": "x", "password": "y"})
                 ).status_code for _ in range(2)]  # fmt: skip
    assert statuses == [401, 401]
    problem_of(await client.post(f"{API}/auth/login", json=login), 429, "rateLimited")
    assert (await client.get(f"{API}/products")).status_code == 200  # the API budget is apart


async def test_health_docs_and_schema_are_not_limited(
    app_clients: tuple[AsyncClient, AsyncClient],
) -> None:
    client, _ = app_clients
    for _ in range(8):
        for path in ("/health", "/openapi.json"):
            response = await client.get(path)
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip("shared counters need TEST_REDIS_URL (CI sets it)")
    return url


@pytest.fixture
def two_workers_sharing_redis(
    empty_database_url: str, tmp_path: Path, redis_url: str
) -> Iterator[str]:
    import redis  # noqa: PLC0415 - only this test talks to Redis directly

    redis.Redis.from_url(redis_url).flushdb()
    environment = server_environment(
        empty_database_url, tmp_path / "logs",
        RATE_LIMIT__STORAGE_URL=redis_url, RATE_LIMIT__DEFAULT_LIMIT="10/minute",
    )  # fmt: skip
    migrate(environment)
    with serving(environment, workers=2) as base_url:
        yield base_url


@pytest.mark.redis
@pytest.mark.xdist_group("redis")  # one process for both Redis tests: this one flushes it
@pytest.mark.server
def test_a_limit_holds_across_two_workers_through_redis(two_workers_sharing_redis: str) -> None:
    statuses = []
    for _ in range(11):  # a new connection each time, so both workers take turns
        with httpx.Client(base_url=two_workers_sharing_redis, timeout=10) as client:
            statuses.append(client.get(f"{API}/products").status_code)
    assert statuses == [200] * 10 + [429]
