"""The stand-in mail server: what arrives over SMTP is listed, filtered and emptied over HTTP."""

import asyncio
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from mock.mail import MailStore, create_app, start_smtp

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SHOP = "shop@example.com"


@pytest.fixture
def store() -> MailStore:
    return MailStore()


@pytest.fixture
async def smtp_port(store: MailStore) -> AsyncIterator[int]:
    """The port of an SMTP server on this test's event loop, keeping mail in `store`."""
    server = await start_smtp(store, HOST, 0)
    yield int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()


@pytest.fixture
async def mailbox(store: MailStore) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the HTTP side, showing what reached `store`."""
    transport = httpx.ASGITransport(app=create_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


def compose(subject: str, body: str, *, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = SHOP
    message["To"] = "buyer@example.com"
    message["Subject"] = subject
    if message_id is not None:
        message["Message-ID"] = message_id
    message.set_content(body)
    return message


def send_now(port: int, message: EmailMessage | bytes, to: Sequence[str]) -> None:
    with smtplib.SMTP(HOST, port, local_hostname="localhost", timeout=10) as client:
        if isinstance(message, bytes):
            client.sendmail(SHOP, list(to), message)
        else:
            client.send_message(message, SHOP, list(to))


async def send(port: int, message: EmailMessage | bytes, to: Sequence[str]) -> None:
    """Send over real SMTP from a thread, so the server on this loop can answer."""
    await asyncio.to_thread(send_now, port, message, to)


async def listed(mailbox: httpx.AsyncClient, **filters: str) -> list[dict[str, object]]:
    response = await mailbox.get("/messages", params=filters)
    assert response.status_code == 200
    messages: list[dict[str, object]] = response.json()
    return messages


async def test_a_message_is_listed_with_recipients_subject_body_and_arrival(
    smtp_port: int, mailbox: httpx.AsyncClient
) -> None:
    before = datetime.now(UTC)
    message = compose(
        "Commande №42 — payée",
        "Bonjour,\nvotre commande №42 est payée — merci.\n",
        message_id="<order-42@example.com>",
    )
    await send(smtp_port, message, ["buyer@example.com", "seller@example.com"])
    after = datetime.now(UTC)
    [mail] = await listed(mailbox)
    assert mail == {
        "to": ["buyer@example.com", "seller@example.com"],
        "subject": "Commande №42 — payée",
        "body": "Bonjour,\nvotre commande №42 est payée — merci.\n",
        "receivedAt": mail["receivedAt"],
        "messageId": "<order-42@example.com>",
    }
    assert isinstance(mail["receivedAt"], str)
    received_at = datetime.fromisoformat(mail["receivedAt"])
    assert received_at.utcoffset() == timedelta(0)
    assert mail["receivedAt"].endswith(("Z", "+00:00"))
    assert before <= received_at <= after


async def test_recipients_come_from_the_envelope_blind_copies_included(
    smtp_port: int, mailbox: httpx.AsyncClient
) -> None:
    await send(smtp_port, compose("Hello", "Hi"), ["buyer@example.com", "hidden@example.com"])
    [mail] = await listed(mailbox)
    assert mail["to"] == ["buyer@example.com", "hidden@example.com"]


async def test_encoded_words_and_transfer_encodings_are_decoded(
    smtp_port: int, mailbox: httpx.AsyncClient
) -> None:
    raw = (
        b"From: shop@example.com\r\n"
        b"To: buyer@example.com\r\n"
        b"Subject: =?utf-8?q?Commande_=E2=84=9642_=E2=80=94?= =?iso-8859-1?q?_pay=E9e?=\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Votre commande est pay=E9e.\r\n"
    )
    await send(smtp_port, raw, ["buyer@example.com"])
    [mail] = await listed(mailbox)
    assert (mail["subject"], mail["body"]) == (
        "Commande №42 — payée",
        "Votre commande est payée.\n",
    )
    assert mail["messageId"] is None


async def test_the_body_is_the_plain_text_part_of_a_multipart_message(
    smtp_port: int, mailbox: httpx.AsyncClient
) -> None:
    message = compose("Receipt", "Total: 19,99 €\n")
    message.add_alternative("<p>Total: <b>19,99 €</b></p>", subtype="html")
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf")
    html_only = EmailMessage()
    html_only["Subject"] = "Newsletter"
    html_only.set_content("<p>News</p>", subtype="html")
    await send(smtp_port, message, ["buyer@example.com"])
    await send(smtp_port, html_only, ["buyer@example.com"])
    assert [m["body"] for m in await listed(mailbox)] == ["Total: 19,99 €\n", ""]


async def test_messages_are_listed_oldest_first(smtp_port: int, mailbox: httpx.AsyncClient) -> None:
    for n in range(5):
        await send(smtp_port, compose(f"Message {n}", "..."), ["buyer@example.com"])
    assert [m["subject"] for m in await listed(mailbox)] == [f"Message {n}" for n in range(5)]


async def test_filters_keep_messages_to_an_address_and_by_subject_text(
    smtp_port: int, mailbox: httpx.AsyncClient
) -> None:
    await send(smtp_port, compose("Order 1 paid", "."), ["ann@example.com", "bob@example.com"])
    await send(smtp_port, compose("Order 2 shipped", "."), ["bob@example.com"])
    await send(smtp_port, compose("ORDER 3 PAID", "."), ["ann@example.com"])

    async def subjects(**filters: str) -> list[object]:
        return [m["subject"] for m in await listed(mailbox, **filters)]

    assert await subjects(to="ann@example.com") == ["Order 1 paid", "ORDER 3 PAID"]
    assert await subjects(to="Bob@Example.com") == ["Order 1 paid", "Order 2 shipped"]
    assert await subjects(subject="paid") == ["Order 1 paid", "ORDER 3 PAID"]
    assert await subjects(subject="order 2") == ["Order 2 shipped"]
    assert await subjects(to="bob@example.com", subject="PAID") == ["Order 1 paid"]
    assert await subjects(to="nobody@example.com") == []
    assert await subjects(to="ann") == []


async def test_delete_empties_the_store_and_mail_arrives_again_after(
    smtp_port: int, mailbox: httpx.AsyncClient
) -> None:
    await send(smtp_port, compose("First", "."), ["buyer@example.com"])
    await send(smtp_port, compose("Second", "."), ["buyer@example.com"])
    response = await mailbox.delete("/messages")
    assert (response.status_code, response.content) == (204, b"")
    assert await listed(mailbox) == []
    await send(smtp_port, compose("Third", "."), ["buyer@example.com"])
    assert [m["subject"] for m in await listed(mailbox)] == ["Third"]


async def test_health_answers_ok(mailbox: httpx.AsyncClient) -> None:
    response = await mailbox.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, "the mock exited during start-up"
        assert time.monotonic() < deadline, "the mock did not start within 30 s"
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)


@pytest.mark.server
def test_the_real_process_keeps_mail_until_terminated() -> None:
    smtp_port, http_port = free_port(), free_port()
    command = [
        *(sys.executable, "-m", "mock.mail"),
        *("--smtp-port", str(smtp_port), "--http-port", str(http_port)),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(base_url=f"http://{HOST}:{http_port}", timeout=5) as client:
            wait_until_healthy(client, process)
            send_now(smtp_port, compose("Commande №42 — payée", "Merci.\n"), ["buyer@example.com"])
            [mail] = client.get("/messages").json()
            assert (mail["to"], mail["subject"], mail["body"]) == (
                ["buyer@example.com"],
                "Commande №42 — payée",
                "Merci.\n",
            )
    finally:
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
    assert process.returncode == 0, log.decode(errors="replace")
    assert b"SMTP message to buyer@example.com" in log
