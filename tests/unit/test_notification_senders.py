"""The notification senders, each against a real peer: the mail stand-in for SMTP, an HTTP
handler for SMS, and the log."""

import json
from collections.abc import AsyncIterator

import aiosmtplib
import httpx
import pytest
from loguru import logger

from mock.mail import MailStore, create_app, start_smtp
from src.config.settings import NotificationSenderKind, NotificationsSettings
from src.infrastructure.notifications import (
    LogSender,
    Message,
    SmsSender,
    SmtpSender,
    create_notification_sender,
)

MESSAGE = Message(
    to=("ada@example.com", "bob@example.com"),
    subject="Commande №42 — payée",
    body="Bonjour,\nvotre commande est payée.",
    message_id="0b6b1f9e.paid",
)


@pytest.fixture
async def mailbox() -> AsyncIterator[tuple[MailStore, int]]:
    store = MailStore()
    server = await start_smtp(store, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield store, port
    server.close()
    await server.wait_closed()


async def test_email_reaches_every_recipient_with_its_subject_body_and_id(
    mailbox: tuple[MailStore, int],
) -> None:
    store, port = mailbox
    sender = SmtpSender(NotificationsSettings(smtp_port=port, sender=NotificationSenderKind.EMAIL))

    await sender.send(MESSAGE)

    transport = httpx.ASGITransport(app=create_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://mail") as client:
        (received,) = (await client.get("/messages")).json()
    assert received["to"] == list(MESSAGE.to)
    assert received["subject"] == MESSAGE.subject
    assert received["body"].strip() == MESSAGE.body
    assert received["messageId"] == "<0b6b1f9e.paid@marketplace>"


async def test_email_to_an_absent_server_raises_for_the_relay_to_retry() -> None:
    sender = SmtpSender(NotificationsSettings(smtp_port=1, timeout_seconds=2))
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await sender.send(MESSAGE)


async def test_sms_posts_the_text_with_its_id_as_idempotency_key() -> None:
    posted: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return httpx.Response(202)

    sender = SmsSender(
        NotificationsSettings(sender=NotificationSenderKind.SMS, sms_url="http://sms.test/send")
    )
    sender._client = httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    await sender.send(MESSAGE)
    await sender.aclose()

    (request,) = posted
    assert request.headers["idempotency-key"] == MESSAGE.message_id
    assert json.loads(request.content) == {
        "to": list(MESSAGE.to), "text": f"{MESSAGE.subject}\n{MESSAGE.body}",
        "id": MESSAGE.message_id,
    }  # fmt: skip


async def test_a_refusing_sms_gateway_raises() -> None:
    sender = SmsSender(
        NotificationsSettings(sender=NotificationSenderKind.SMS, sms_url="http://sms.test/send")
    )
    sender._client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _request: httpx.Response(503))
    )
    with pytest.raises(httpx.HTTPStatusError):
        await sender.send(MESSAGE)


async def test_the_log_sender_writes_who_and_what() -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, level="INFO", format="{message}")
    try:
        await LogSender().send(MESSAGE)
    finally:
        logger.remove(sink)
    assert lines == [f"notification 0b6b1f9e.paid to ada@example.com, bob@example.com: "
                     f"{MESSAGE.subject}\n"]  # fmt: skip


def test_the_factory_picks_the_configured_sender() -> None:
    kinds = {
        NotificationSenderKind.LOG: LogSender,
        NotificationSenderKind.EMAIL: SmtpSender,
        NotificationSenderKind.SMS: SmsSender,
    }
    for kind, expected in kinds.items():
        settings = NotificationsSettings(sender=kind, sms_url="http://sms.test/send")
        assert type(create_notification_sender(settings)) is expected
    with pytest.raises(ValueError, match="SMS_URL"):
        create_notification_sender(NotificationsSettings(sender=NotificationSenderKind.SMS))
