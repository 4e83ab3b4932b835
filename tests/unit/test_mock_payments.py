"""The stand-in payment provider: charges and refunds once per key, declines, and faults."""

import asyncio
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mock.payments import create_app

STALL = 0.2
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHARGE = {"orderId": "order-1", "amount": 1999, "currency": "EUR", "token": "tok_visa"}
DECLINE = CHARGE | {"token": "tok_decline_insufficient_funds"}


@pytest.fixture
async def payments() -> AsyncIterator[httpx.AsyncClient]:
    """A client on a fresh provider whose timeout faults stall for STALL seconds."""
    transport = httpx.ASGITransport(app=create_app(stall_seconds=STALL))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


async def charge(
    payments: httpx.AsyncClient, key: str, body: dict[str, object] = CHARGE
) -> httpx.Response:
    return await payments.post("/charges", json=body, headers={"Idempotency-Key": key})


async def refund(payments: httpx.AsyncClient, charge_id: str, key: str) -> httpx.Response:
    return await payments.post(f"/charges/{charge_id}/refund", headers={"Idempotency-Key": key})


async def listed(payments: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await payments.get("/charges")
    assert response.status_code == 200
    charges: list[dict[str, object]] = response.json()
    return charges


async def fail_next(payments: httpx.AsyncClient, **fault: object) -> None:
    response = await payments.post("/_faults", json=fault)
    assert response.status_code == 200
    assert response.json()["failNext"] == fault["failNext"]


async def test_a_charge_is_made_and_listed(payments: httpx.AsyncClient) -> None:
    response = await charge(payments, "k1")
    assert response.status_code == 201
    made = response.json()
    assert made["id"].startswith("ch_")
    assert made == {
        "id": made["id"],
        "orderId": "order-1",
        "amount": 1999,
        "currency": "EUR",
        "status": "succeeded",
        "idempotencyKey": "k1",
        "refunded": 0,
        "refunds": 0,
        "refundKeys": [],
    }
    assert await listed(payments) == [made]
    by_key = await payments.get("/charges", params={"idempotencyKey": "k1"})
    assert by_key.json() == [made]
    assert (await payments.get("/charges", params={"idempotencyKey": "k2"})).json() == []


async def test_charges_are_listed_oldest_first_and_filtered_by_order(
    payments: httpx.AsyncClient,
) -> None:
    ids = []
    for n in range(4):
        made = await charge(payments, f"k{n}", CHARGE | {"orderId": f"o{n % 2}"})
        ids.append(made.json()["id"])
    assert [c["id"] for c in await listed(payments)] == ids
    only = (await payments.get("/charges", params={"orderId": "o1"})).json()
    assert [c["id"] for c in only] == [ids[1], ids[3]]


async def test_a_declined_token_charges_nothing_and_is_not_listed(
    payments: httpx.AsyncClient,
) -> None:
    response = await charge(payments, "k1", DECLINE)
    assert response.status_code == 402
    assert response.json()["error"] == "declined"
    assert response.json()["message"]
    assert await listed(payments) == []


async def test_a_repeated_key_gets_the_first_answer_whatever_the_body_says(
    payments: httpx.AsyncClient,
) -> None:
    first = await charge(payments, "k1")
    again = await charge(payments, "k1", CHARGE | {"amount": 5, "orderId": "other"})
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert len(await listed(payments)) == 1


async def test_a_repeated_key_repeats_a_decline_too(payments: httpx.AsyncClient) -> None:
    first = await charge(payments, "k1", DECLINE)
    again = await charge(payments, "k1")
    assert (again.status_code, again.content) == (402, first.content)
    assert await listed(payments) == []


async def test_concurrent_calls_under_one_key_charge_once(payments: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(*(charge(payments, "same") for _ in range(20)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await listed(payments)) == 1


async def test_a_charge_is_refunded_exactly_once(payments: httpx.AsyncClient) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]
    first = await refund(payments, charge_id, "r1")
    assert first.status_code == 200
    assert first.json()["status"] == "refunded"
    assert (await refund(payments, charge_id, "r1")).json() == first.json()
    second_key = await refund(payments, charge_id, "r2")
    assert (second_key.json()["status"], second_key.json()["refunds"]) == ("refunded", 1)
    [record] = await listed(payments)
    # Money moved once; the record shows a client asked under two keys.
    assert (record["status"], record["refunds"], record["refundKeys"]) == (
        "refunded",
        1,
        ["r1", "r2"],
    )


async def part(
    payments: httpx.AsyncClient, charge_id: str, key: str, amount: object
) -> httpx.Response:
    return await payments.post(
        f"/charges/{charge_id}/refund", json={"amount": amount}, headers={"Idempotency-Key": key}
    )


async def test_a_charge_is_refunded_in_parts_once_per_key(payments: httpx.AsyncClient) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]  # 1999
    first = await part(payments, charge_id, "p1", 500)
    assert first.status_code == 200
    assert (first.json()["refunded"], first.json()["status"]) == (500, "succeeded")
    assert first.json()["refund"]["amount"] == 500
    for _ in range(3):  # asked again: the first answer, nothing more moves
        assert (await part(payments, charge_id, "p1", 500)).json() == first.json()
    assert (await part(payments, charge_id, "p2", 1500)).status_code == 409
    rest = await part(payments, charge_id, "p3", 1499)
    assert (rest.json()["refunded"], rest.json()["status"], rest.json()["refunds"]) == (
        1999, "refunded", 2)  # fmt: skip
    refunds = (await payments.get("/refunds")).json()
    assert refunds == [
        {"id": refunds[0]["id"], "chargeId": charge_id, "orderId": "order-1", "amount": 500,
         "currency": "EUR", "idempotencyKey": "p1"},
        {"id": refunds[1]["id"], "chargeId": charge_id, "orderId": "order-1", "amount": 1499,
         "currency": "EUR", "idempotencyKey": "p3"},
    ]  # fmt: skip
    by_key = await payments.get("/refunds", params={"idempotencyKey": "p3"})
    assert by_key.json() == [refunds[1]]
    assert (await payments.get("/refunds", params={"chargeId": "ch_other"})).json() == []


async def test_a_full_refund_after_a_part_gives_back_the_rest(payments: httpx.AsyncClient) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]
    await part(payments, charge_id, "p1", 999)
    rest = await refund(payments, charge_id, "r1")
    assert (rest.json()["refunded"], rest.json()["refund"]["amount"]) == (1999, 1000)
    assert [r["amount"] for r in (await payments.get("/refunds")).json()] == [999, 1000]


async def test_a_malformed_refund_amount_is_invalid(payments: httpx.AsyncClient) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]
    for wrong in (0, -5, "100", 1.5):
        response = await part(payments, charge_id, "p1", wrong)
        assert (response.status_code, response.json()["error"]) == (422, "invalid")
    assert (await payments.get("/refunds")).json() == []


async def test_a_fault_after_a_partial_refund_records_it_once(
    payments: httpx.AsyncClient,
) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]
    await fail_next(payments, failNext=2, when="after")
    for _ in range(2):
        assert (await part(payments, charge_id, "p1", 100)).status_code == 503
    retry = await part(payments, charge_id, "p1", 100)
    assert (retry.status_code, retry.json()["refunded"]) == (200, 100)
    assert len((await payments.get("/refunds")).json()) == 1


async def test_refunding_an_unknown_charge_is_not_found(payments: httpx.AsyncClient) -> None:
    response = await refund(payments, "ch_unknown", "r1")
    assert (response.status_code, response.json()) == (404, {"error": "notFound"})


async def test_a_post_without_idempotency_key_is_refused(payments: httpx.AsyncClient) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]
    for response in (
        await payments.post("/charges", json=CHARGE),
        await payments.post(f"/charges/{charge_id}/refund"),
        await charge(payments, ""),
    ):
        assert (response.status_code, response.json()) == (400, {"error": "idempotencyKeyRequired"})
    assert len(await listed(payments)) == 1


async def test_a_malformed_charge_is_invalid(payments: httpx.AsyncClient) -> None:
    for wrong in ({"amount": 0}, {"amount": "100"}, {"currency": "EURO"}, {"token": ""}):
        response = await charge(payments, "k1", CHARGE | wrong)
        assert (response.status_code, response.json()["error"]) == (422, "invalid")
    assert await listed(payments) == []


async def test_an_error_before_records_nothing_and_the_next_call_works(
    payments: httpx.AsyncClient,
) -> None:
    await fail_next(payments, failNext=1)
    failed = await charge(payments, "k1")
    assert (failed.status_code, failed.json()) == (503, {"error": "unavailable"})
    assert await listed(payments) == []
    assert (await charge(payments, "k1")).status_code == 201
    assert len(await listed(payments)) == 1


async def test_an_error_after_records_the_charge_and_a_retry_gets_it(
    payments: httpx.AsyncClient,
) -> None:
    await fail_next(payments, failNext=1, when="after")
    assert (await charge(payments, "k1")).status_code == 503
    [recorded] = await listed(payments)
    retry = await charge(payments, "k1")
    assert (retry.status_code, retry.json()["id"]) == (201, recorded["id"])
    assert len(await listed(payments)) == 1


async def test_an_error_after_a_refund_refunds_and_a_retry_gets_it(
    payments: httpx.AsyncClient,
) -> None:
    charge_id = (await charge(payments, "k1")).json()["id"]
    await fail_next(payments, failNext=1, when="after")
    assert (await refund(payments, charge_id, "r1")).status_code == 503
    retry = await refund(payments, charge_id, "r1")
    assert (retry.status_code, retry.json()["refunds"]) == (200, 1)


async def test_fail_next_two_fails_exactly_two_calls(payments: httpx.AsyncClient) -> None:
    await fail_next(payments, failNext=2)
    statuses = [(await charge(payments, f"k{n}")).status_code for n in range(3)]
    assert statuses == [503, 503, 201]


async def test_fail_next_zero_clears_pending_faults(payments: httpx.AsyncClient) -> None:
    await fail_next(payments, failNext=3)
    await fail_next(payments, failNext=0)
    assert (await charge(payments, "k1")).status_code == 201


async def test_listing_and_setting_faults_never_fail(payments: httpx.AsyncClient) -> None:
    await fail_next(payments, failNext=1)
    assert await listed(payments) == []
    assert (await payments.get("/health")).json() == {"status": "ok"}
    assert (await charge(payments, "k1")).status_code == 503


async def test_a_timeout_stalls_then_fails_without_holding_up_others(
    payments: httpx.AsyncClient,
) -> None:
    await fail_next(payments, failNext=1, mode="timeout")
    started = time.monotonic()

    async def listed_at() -> float:
        await listed(payments)
        return time.monotonic() - started

    stalled, listed_after = await asyncio.gather(charge(payments, "k1"), listed_at())
    assert time.monotonic() - started >= STALL
    assert listed_after < STALL
    assert (stalled.status_code, stalled.json()) == (503, {"error": "unavailable"})
    assert await listed(payments) == []


async def test_reset_forgets_charges_keys_and_faults(payments: httpx.AsyncClient) -> None:
    first = (await charge(payments, "k1")).json()
    await fail_next(payments, failNext=1)
    assert (await payments.post("/_reset")).status_code == 204
    assert await listed(payments) == []
    again = await charge(payments, "k1")
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.server
def test_the_real_process_serves_charges_until_terminated() -> None:
    port = free_port()
    command = [sys.executable, "-m", "mock.payments", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, "the mock exited during start-up"
                assert time.monotonic() < deadline, "the mock did not start within 30 s"
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            made = client.post("/charges", json=CHARGE, headers={"Idempotency-Key": "k1"})
            assert made.status_code == 201
            assert client.get("/charges").json() == [made.json()]
    finally:
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
    assert process.returncode in {0, -signal.SIGTERM}
    assert b"POST /charges 201" in log


TRANSFER = {"sellerId": "seller-1", "amount": 2250, "currency": "USD"}


async def transfer(
    payments: httpx.AsyncClient, key: str, body: dict[str, object] = TRANSFER
) -> httpx.Response:
    return await payments.post("/transfers", json=body, headers={"Idempotency-Key": key})


async def test_a_transfer_is_made_once_per_key_and_listed(payments: httpx.AsyncClient) -> None:
    first = await transfer(payments, "payout-1")
    assert first.status_code == 201
    made = first.json()
    assert made["id"].startswith("tr_")
    assert made == {"id": made["id"], "sellerId": "seller-1", "amount": 2250,
                    "currency": "USD", "idempotencyKey": "payout-1"}  # fmt: skip
    again = await transfer(payments, "payout-1", TRANSFER | {"amount": 1})
    assert (again.status_code, again.json()) == (201, made)  # the first answer, whatever is sent
    await transfer(payments, "payout-2", TRANSFER | {"sellerId": "seller-2"})
    listed = (await payments.get("/transfers")).json()
    assert [t["idempotencyKey"] for t in listed] == ["payout-1", "payout-2"]
    by_key = (await payments.get("/transfers", params={"idempotencyKey": "payout-2"})).json()
    assert [t["sellerId"] for t in by_key] == ["seller-2"]
    by_seller = (await payments.get("/transfers", params={"sellerId": "seller-1"})).json()
    assert by_seller == [made]


async def test_a_refusing_account_refuses_transfers_and_the_refusal_is_kept(
    payments: httpx.AsyncClient,
) -> None:
    refused = await payments.post("/_refuse-transfers", json={"sellerId": "seller-1"})
    assert refused.status_code == 204
    answer = await transfer(payments, "payout-1")
    assert (answer.status_code, answer.json()["error"]) == (402, "transferRefused")
    assert (await transfer(payments, "payout-1")).status_code == 402
    assert (await payments.get("/transfers")).json() == []
    ok = await transfer(payments, "payout-2", TRANSFER | {"sellerId": "seller-2"})
    assert ok.status_code == 201


async def test_a_transfer_needs_a_key_and_faults_apply_to_it(payments: httpx.AsyncClient) -> None:
    assert (await payments.post("/transfers", json=TRANSFER)).status_code == 400
    await fail_next(payments, failNext=1, when="after")
    assert (await transfer(payments, "payout-1")).status_code == 503
    assert len((await payments.get("/transfers")).json()) == 1  # it was made nonetheless
    retried = await transfer(payments, "payout-1")
    assert retried.status_code == 201
    assert len((await payments.get("/transfers")).json()) == 1
    await payments.post("/_reset")
    assert (await payments.get("/transfers")).json() == []
