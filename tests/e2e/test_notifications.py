"""Notifications end to end: the real mail stand-in receives what the marketplace sends.

The marketplace runs as a real server process sending email over SMTP; each test reads the
stand-in's mailbox over HTTP, as a person checking the mail would.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.e2e.helpers import API, PASSWORD, new_email
from tests.e2e.servers import (
    answers,
    free_port,
    migrate,
    server_environment,
    serving,
    stand_in_mail,
    wait_for,
)

pytestmark = [pytest.mark.database, pytest.mark.server]
ADDRESS = {"fullName": "Ada", "line1": "1 Main St", "city": "London", "postalCode": "N1",
           "country": "GB"}  # fmt: skip


def mail_environment(database_url: str, logs: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return server_environment(
        database_url, logs,
        NOTIFICATIONS__SENDER="email", NOTIFICATIONS__SMTP_PORT=str(smtp_port),
        OUTBOX__POLL_SECONDS="0.2", OUTBOX__FIRST_BACKOFF_SECONDS="0.2",
        OUTBOX__LEASE_SECONDS="1", **extra,
    )  # fmt: skip


def messages(mail_url: str, **filters: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{mail_url}/messages", params=filters).json()
    return found


class Person:
    def __init__(self, client: httpx.Client, role: str) -> None:
        self.email = new_email(role)
        body = {"email": self.email, "password": PASSWORD, "fullName": role.title(), "role": role}
        assert client.post(f"{API}/auth/register", json=body).status_code == 201
        login = {"email": self.email, "password": PASSWORD}
        token = client.post(f"{API}/auth/login", json=login).json()["accessToken"]
        self.headers = {"Authorization": f"Bearer {token}"}


@pytest.fixture
def marketplace(empty_database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(the marketplace's URL, the mail stand-in's URL)."""
    with stand_in_mail() as (smtp_port, mail_url):
        environment = mail_environment(empty_database_url, tmp_path / "logs", smtp_port)
        migrate(environment)
        with serving(environment) as base_url:
            yield base_url, mail_url


def test_register_order_pay_ship_and_cancel_send_the_contract_emails(
    marketplace: tuple[str, str],
) -> None:
    base_url, mail_url = marketplace
    with httpx.Client(base_url=base_url, timeout=30) as client:
        seller, other_seller = Person(client, "seller"), Person(client, "seller")
        buyer = Person(client, "buyer")
        lamp, desk = (
            client.post(f"{API}/products", headers=who.headers, json={
                "title": title, "price": 1000, "stock": 5, "category": "c"}).json()["id"]
            for who, title in ((seller, "Lamp"), (other_seller, "Desk"))
        )  # fmt: skip

        def order(*products: str) -> str:
            body = {"items": [{"productId": p, "quantity": 1} for p in products],
                    "shippingAddress": ADDRESS}  # fmt: skip
            placed = client.post(f"{API}/orders", headers=buyer.headers, json=body)
            assert placed.status_code == 201, placed.text
            return str(placed.json()["id"])

        shipped, cancelled = order(lamp, desk), order(lamp)
        for order_id in (shipped, cancelled):
            paid = client.post(f"{API}/orders/{order_id}/pay", headers=buyer.headers,
                               json={"paymentToken": "tok_visa"})  # fmt: skip
            assert paid.status_code == 200, paid.text
        for who in (seller, other_seller):
            client.post(f"{API}/orders/{shipped}/shipments", headers=who.headers,
                        json={"carrier": "DHL", "trackingNumber": "1"})  # fmt: skip
        assert client.get(f"{API}/orders/{shipped}", headers=buyer.headers).json()[
            "status"] == "shipped"  # fmt: skip
        assert client.post(f"{API}/orders/{cancelled}/cancel", headers=buyer.headers).is_success

    expected = {
        ((seller.email,), "Welcome to the marketplace"),
        ((other_seller.email,), "Welcome to the marketplace"),
        ((buyer.email,), "Welcome to the marketplace"),
        ((buyer.email,), f"Order {shipped} placed"),
        ((buyer.email,), f"Order {cancelled} placed"),
        ((buyer.email,), f"Order {shipped} paid"),
        ((buyer.email,), f"Order {cancelled} paid"),
        (tuple(sorted((seller.email, other_seller.email))), f"Order {shipped} paid: please ship"),
        ((seller.email,), f"Order {cancelled} paid: please ship"),
        ((buyer.email,), f"Order {shipped} shipped"),
        ((buyer.email,), f"Order {cancelled} cancelled"),
    }

    def received() -> list[tuple[tuple[str, ...], str]]:
        return [(tuple(sorted(m["to"])), m["subject"]) for m in messages(mail_url)]

    wait_for(lambda: len(received()) >= len(expected), what="every email")
    assert sorted(received()) == sorted(expected)  # each exactly once
    refund_notice = messages(mail_url, subject=f"Order {cancelled} cancelled")[0]
    assert "refunded" in refund_notice["body"]
    ids = [m["messageId"] for m in messages(mail_url)]
    assert len(set(ids)) == len(ids)


def test_an_email_survives_a_crash_between_commit_and_delivery(
    empty_database_url: str, tmp_path: Path
) -> None:
    """The server commits a registration while the mail server is down, so the welcome email
    cannot go out; it is killed outright (SIGKILL); the mail server comes up and the server
    starts again: the email arrives, once."""
    smtp_port = free_port()  # nothing listens here yet
    environment = mail_environment(empty_database_url, tmp_path / "logs", smtp_port)
    migrate(environment)
    email = new_email("crash")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "uvicorn", "src.main:app", "--port", str(port)],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{base_url}/health"), what="the first server")
        body = {"email": email, "password": PASSWORD, "fullName": "Crash Test"}
        assert httpx.post(f"{base_url}{API}/auth/register", json=body).status_code == 201
        wait_for(lambda: "failed on attempt" in _log(tmp_path), what="a failed delivery")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    with stand_in_mail(smtp_port) as (_, mail_url), serving(environment):
        wait_for(lambda: bool(messages(mail_url, to=email)), what="the welcome email")
        wait_for(lambda: "delivered" in _outbox_states(environment), seconds=5, what="receipt")
        (welcome,) = messages(mail_url, to=email)
        assert welcome["subject"] == "Welcome to the marketplace"


def _log(tmp_path: Path) -> str:
    path = tmp_path / "logs" / "marketplace.log"
    return path.read_text() if path.exists() else ""


def _outbox_states(environment: dict[str, str]) -> str:
    """The statuses of the outbox's events, read by a one-off script on the same database."""
    script = (
        "import asyncio\n"
        "from src.config import get_settings\n"
        "from src.infrastructure.runtime import start_runtime, stop_runtime\n"
        "from uuid import uuid4\n"
        "from src.application.admin import browse_events\n"
        "from src.domain.users import Principal, Role\n"
        "async def main():\n"
        "    start_runtime(get_settings())\n"
        "    admin = Principal(user_id=uuid4(), role=Role.ADMIN)\n"
        "    page = await browse_events(principal=admin, status=None, limit=100, cursor=None)\n"
        "    print(' '.join(e.status for e in page.items))\n"
        "    await stop_runtime()\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout


def test_a_relay_of_its_own_delivers_for_web_workers_that_run_none(
    empty_database_url: str, tmp_path: Path
) -> None:
    """`OUTBOX__RELAY_IN_APP=false` web workers only record events; `python -m src.relay`
    delivers them, and stops cleanly on SIGTERM."""
    with stand_in_mail() as (smtp_port, mail_url):
        environment = mail_environment(
            empty_database_url, tmp_path / "logs", smtp_port, OUTBOX__RELAY_IN_APP="false"
        )
        migrate(environment)
        email = new_email("apart")
        with serving(environment) as base_url:
            body = {"email": email, "password": PASSWORD, "fullName": "Apart"}
            assert httpx.post(f"{base_url}{API}/auth/register", json=body).status_code == 201
            time.sleep(1)  # five of the configured polls: a relay in the app would have sent it
            assert messages(mail_url, to=email) == []
            relay = subprocess.Popen(
                [sys.executable, "-m", "src.relay"], cwd=PROJECT_ROOT, env=environment,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                wait_for(lambda: bool(messages(mail_url, to=email)), what="the relay's email")
            finally:
                relay.send_signal(signal.SIGTERM)
                assert relay.wait(timeout=15) == 0
        assert len(messages(mail_url, to=email)) == 1
