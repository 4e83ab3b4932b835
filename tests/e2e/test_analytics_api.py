"""Analytics over HTTP: the query parameters a client can get wrong. (The figures themselves
are checked against a brute-force recount in tests/integration/test_analytics.py.)"""

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in

pytestmark = pytest.mark.database


@pytest.mark.parametrize("day", ["0", "1700000000", "2026-1-5", "2026-02-30", "yesterday"])
async def test_sales_days_are_calendar_dates(client: AsyncClient, day: str) -> None:
    _, token = await signed_in(client, role="seller")
    for name in ("from", "to"):
        response = await client.get(
            f"{API}/analytics/sellers/me/sales", headers=bearer(token), params={name: day}
        )
        problem_of(response, 422, "validationError")


async def test_a_window_runs_forwards_and_is_at_most_a_year(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    sales = f"{API}/analytics/sellers/me/sales"
    backwards = {"from": "2026-01-10", "to": "2026-01-01"}
    problem_of(await client.get(sales, headers=bearer(token), params=backwards), 422,
               "validationError")  # fmt: skip
    too_long = {"from": "2024-01-01", "to": "2026-01-01"}
    problem_of(await client.get(sales, headers=bearer(token), params=too_long), 422,
               "validationError")  # fmt: skip
    year = {"from": "2025-01-02", "to": "2026-01-01"}
    assert (await client.get(sales, headers=bearer(token), params=year)).json() == {"items": []}
    # Both refusals are in the docs, where a client (or a fuzzer's reader) finds them.
    operation = (await client.get("/openapi.json")).json()["paths"][sales]["get"]
    assert "`from` after `to`, or more than 366 days" in operation["description"]
