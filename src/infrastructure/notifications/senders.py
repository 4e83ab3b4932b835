"""`NotificationSender` and its senders, chosen from settings by
`create_notification_sender`: the log (the embedded default), email over SMTP, or SMS over
an HTTP gateway.

A message carries an id derived from the event it announces; the SMTP sender puts it in the
`Message-ID` header, so a recipient's mail system can tell a redelivered copy too.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import httpx
from loguru import logger

from src.config.settings import NotificationSenderKind, NotificationsSettings


@dataclass(frozen=True, slots=True)
class Message:
    to: tuple[str, ...]  # each gets the message; none sees the others
    subject: str
    body: str
    message_id: str  # unique per event and notification, stable across redeliveries


class NotificationSender(ABC):
    @abstractmethod
    async def send(self, message: Message) -> None:
        """Send the message, or raise (the relay retries the event later)."""

    async def aclose(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Release connections; the runtime calls it when the application stops."""


class LogSender(NotificationSender):
    """Writes notifications to the log: nothing to set up, nothing leaves the machine."""

    async def send(self, message: Message) -> None:
        logger.info(
            "notification {} to {}: {}", message.message_id, ", ".join(message.to), message.subject
        )


class SmtpSender(NotificationSender):
    """Email over SMTP, one connection per message (aiosmtplib)."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings

    async def send(self, message: Message) -> None:
        settings = self._settings
        email = EmailMessage()
        email["From"] = settings.sender_address
        email["To"] = "undisclosed-recipients:;" if len(message.to) > 1 else message.to[0]
        email["Subject"] = message.subject
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = f"<{message.message_id}@marketplace>"
        email.set_content(message.body)
        await aiosmtplib.send(
            email,
            recipients=list(message.to),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            start_tls=settings.smtp_starttls,
            timeout=settings.timeout_seconds,
        )


class SmsSender(NotificationSender):
    """Text messages through an HTTP gateway: `{to, text, id}` POSTed as JSON.

    Accounts hold no phone numbers yet, so `to` carries the account addresses; a gateway
    that texts maps them to numbers.
    """

    def __init__(self, settings: NotificationsSettings) -> None:
        self._client = httpx.AsyncClient(timeout=settings.timeout_seconds)
        self._url = settings.sms_url

    async def send(self, message: Message) -> None:
        response = await self._client.post(
            self._url,
            json={
                "to": list(message.to),
                "text": f"{message.subject}\n{message.body}",
                "id": message.message_id,
            },
            headers={"Idempotency-Key": message.message_id},
        )
        response.raise_for_status()

    async def aclose(self) -> None:
        await self._client.aclose()


def create_notification_sender(settings: NotificationsSettings) -> NotificationSender:
    """The sender `settings.sender` names."""
    if settings.sender is NotificationSenderKind.EMAIL:
        return SmtpSender(settings)
    if settings.sender is NotificationSenderKind.SMS:
        if not settings.sms_url:
            raise ValueError("NOTIFICATIONS__SMS_URL must be set to send SMS")
        return SmsSender(settings)
    return LogSender()
