"""The stand-in webhook receiver: verifies signatures, keeps what came, fails on demand."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from mock.webhooks import create_app
from src.infrastructure.webhooks import new_signing_secret, signed_headers

SECRET = new_signing_secret()
BODY = '{"type":"order.paid","timestamp":"2026-12-04T10:00:00Z","data":{"orderId":"o1"}}'


@pytest.fixture
async def receiver() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(SECRET, stall_seconds=0.05))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


async def deliver(
    receiver: httpx.AsyncClient, *, secret: str = SECRET, body: str = BODY
) -> httpx.Response:
    headers = signed_headers(secret, "d1", datetime.now(UTC), body)
    return await receiver.post("/hooks", content=body, headers=headers)


async def test_a_signed_delivery_is_verified_and_kept(receiver: httpx.AsyncClient) -> None:
    assert (await deliver(receiver)).status_code == 204
    (kept,) = (await receiver.get("/received")).json()
    assert kept["verified"] is True
    assert (kept["webhookId"], kept["type"]) == ("d1", "order.paid")
    assert kept["data"] == {"orderId": "o1"}
    assert (await receiver.get("/received", params={"type": "order.shipped"})).json() == []


async def test_a_badly_signed_delivery_is_refused_and_kept_as_unverified(
    receiver: httpx.AsyncClient,
) -> None:
    assert (await deliver(receiver, secret=new_signing_secret())).status_code == 401
    assert (await receiver.post("/hooks", content=BODY)).status_code == 401
    kept = (await receiver.get("/received")).json()
    assert [each["verified"] for each in kept] == [False, False]


@pytest.mark.parametrize(("mode", "status"), [("error", 503), ("timeout", 503), ("redirect", 302)])
async def test_faults_fail_the_next_deliveries_then_clear(
    receiver: httpx.AsyncClient, mode: str, status: int
) -> None:
    faults = {"failNext": 2, "mode": mode, "redirectTo": "http://127.0.0.1:9/"}
    assert (await receiver.post("/_faults", json=faults)).status_code == 200
    answers = [(await deliver(receiver)).status_code for _ in range(3)]
    assert answers == [status, status, 204]
    assert [each["answered"] for each in (await receiver.get("/received")).json()] == answers
    assert (await receiver.post("/_reset")).status_code == 204
    assert (await receiver.get("/received")).json() == []
