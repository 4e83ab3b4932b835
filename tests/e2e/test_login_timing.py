"""A login with a wrong password takes as long for an unknown email as for a known one, so
response times do not reveal which emails have accounts (user enumeration).

Both kinds of attempt are interleaved, so whatever else the machine does weighs on both
alike, and compared by their medians over 200 tries each. Argon2 runs at a real (if light)
cost here: with the suite's near-free hashing, the database lookup would dominate.
"""

import statistics
import time

import pytest
from httpx import AsyncClient

from src.config.settings import AuthSettings, RateLimitSettings, Settings
from tests.conftest import TEST_SECRET, make_settings
from tests.e2e.helpers import API, PASSWORD, new_email, register

pytestmark = pytest.mark.database
TRIES = 200


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        auth=AuthSettings(
            secret_key=TEST_SECRET,  # type: ignore[arg-type]
            password_time_cost=2,
            password_memory_kib=8192,
            password_parallelism=1,
            login_attempts_per_minute=10 * TRIES,  # the attempts are the point, not abuse
        ),
        rate_limit=RateLimitSettings(auth_limit="100000/minute"),
    )


async def test_unknown_and_known_emails_take_the_same_time_to_refuse(
    client: AsyncClient,
) -> None:
    known = (await register(client))["email"]
    durations: dict[str, list[float]] = {"known": [], "unknown": []}
    for attempt in range(2 * TRIES):
        kind = "known" if attempt % 2 else "unknown"
        email = known if kind == "known" else new_email("nobody")
        started = time.perf_counter()
        response = await client.post(
            f"{API}/auth/login", json={"email": email, "password": PASSWORD + "!"}
        )
        durations[kind].append(time.perf_counter() - started)
        assert response.status_code == 401, response.text

    known_median = statistics.median(durations["known"])
    unknown_median = statistics.median(durations["unknown"])
    assert abs(known_median - unknown_median) <= 0.1 * known_median, (
        f"known {known_median * 1000:.2f} ms, unknown {unknown_median * 1000:.2f} ms"
    )
