"""Administrators see the outbox's events and queue dead letters again."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from src.config.settings import OutboxSettings, Settings
from src.infrastructure.database import current_session, transaction
from src.infrastructure.database.tables import OutboxTable
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import admin_token

pytestmark = pytest.mark.database


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No relay in the app: the events stay as the tests leave them."""
    return make_settings(database_url, outbox=OutboxSettings(relay_in_app=False))


@transaction
async def kill(event_id: str) -> None:
    """Dead-letter an event, as the relay does after too many failures."""
    await current_session().execute(
        update(OutboxTable)
        .where(OutboxTable.id == UUID(event_id))
        .values(dead_at=datetime.now(UTC), attempts=10, last_error="SMTP refused")
    )


async def test_admins_list_events_by_status_and_requeue_dead_ones(client: AsyncClient) -> None:
    token = await admin_token(client)
    for _ in range(3):
        await signed_in(client, role="buyer")  # each raises user.registered
    events = f"{API}/admin/events"
    listed = (await client.get(events, headers=bearer(token), params={"limit": 2})).json()
    assert [e["topic"] for e in listed["items"]] == ["user.registered"] * 2
    following = {"limit": 2, "cursor": listed["nextCursor"]}
    rest = (await client.get(events, headers=bearer(token), params=following)).json()
    assert len(rest["items"]) == 1
    assert rest["nextCursor"] is None
    victim = listed["items"][0]
    await kill(victim["id"])

    dead = (await client.get(events, headers=bearer(token), params={"status": "dead"})).json()
    assert [(e["id"], e["status"], e["attempts"], e["lastError"]) for e in dead["items"]] == [
        (victim["id"], "dead", 10, "SMTP refused")
    ]
    requeued = await client.post(f"{events}/{victim['id']}/requeue", headers=bearer(token))
    assert requeued.status_code == 200
    assert (requeued.json()["status"], requeued.json()["attempts"]) == ("pending", 0)
    again = await client.post(f"{events}/{victim['id']}/requeue", headers=bearer(token))
    problem_of(again, 409, "invalidState")
    problem_of(await client.post(f"{events}/{uuid4()}/requeue", headers=bearer(token)), 404,
               "notFound")  # fmt: skip


async def test_only_admins_see_events(client: AsyncClient) -> None:
    for role in ("buyer", "seller"):
        _, token = await signed_in(client, role=role)
        problem_of(await client.get(f"{API}/admin/events", headers=bearer(token)), 403,
                   "forbidden")  # fmt: skip
        problem_of(await client.post(f"{API}/admin/events/{uuid4()}/requeue",
                                     headers=bearer(token)), 403, "forbidden")  # fmt: skip
    problem_of(await client.get(f"{API}/admin/events"), 401, "unauthorized")


@pytest.mark.parametrize("params", [{"status": "lost"}, {"limit": 0}, {"cursor": "x"}])
async def test_bad_listing_parameters_are_refused(
    client: AsyncClient, params: dict[str, str | int]
) -> None:
    token = await admin_token(client)
    response = await client.get(f"{API}/admin/events", headers=bearer(token), params=params)
    problem_of(response, 422, "validationError")
