"""A stand-in mail server: it accepts every message over SMTP and shows them over HTTP.

    python -m mock.mail --smtp-port 1025 --http-port 8025

Both servers share one process and one event loop; /health answers only once SMTP listens
too. Messages live in memory, oldest first, until `DELETE /messages` or the process stops.
`GET /messages` lists `{to, subject, body, receivedAt, messageId}`: the envelope's recipients,
the decoded subject, the text/plain part decoded (line endings as \\n, "" when there is none),
the time of arrival in UTC, and the Message-ID header or null. `?to=` keeps the messages sent
to one address (any case), `?subject=` those whose subject contains the text (any case).
"""

import argparse
import asyncio
import email
import email.policy
import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Annotated

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import APIRouter, Depends, FastAPI, Request, Response

logger = logging.getLogger("mock.mail")

Json = dict[str, object]


@dataclass(frozen=True)
class Mail:
    """One message as received: who it was for, what it said, and when it came."""

    to: tuple[str, ...]
    subject: str
    body: str
    received_at: datetime
    message_id: str | None

    def to_json(self) -> Json:
        """The message as the API shows it."""
        return {
            "to": list(self.to),
            "subject": self.subject,
            "body": self.body,
            "receivedAt": self.received_at.isoformat().replace("+00:00", "Z"),
            "messageId": self.message_id,
        }

    def matches(self, *, to: str | None, subject: str | None) -> bool:
        """Whether the message was sent to `to` and its subject contains `subject` (any case)."""
        if to is not None and to.casefold() not in {r.casefold() for r in self.to}:
            return False
        return subject is None or subject.casefold() in self.subject.casefold()


def text_of(message: EmailMessage) -> str:
    """The text/plain part decoded, with \\n line endings; "" when the message has none."""
    part = message.get_body(preferencelist=("plain",))
    if not isinstance(part, EmailMessage):
        return ""
    try:
        text = part.get_content()
    except LookupError:  # a charset Python does not know: show what can be read
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else ""
    return str(text).replace("\r\n", "\n")


def read_mail(recipients: Sequence[str], content: bytes, received_at: datetime) -> Mail:
    """A message from its SMTP envelope's recipients and its raw content."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    message_id = message.get("Message-ID")
    return Mail(
        to=tuple(recipients),
        subject=str(message.get("Subject", "")),
        body=text_of(message),
        received_at=received_at,
        message_id=str(message_id).strip() if message_id is not None else None,
    )


class MailStore:
    """Every message received, oldest first, in memory."""

    def __init__(self) -> None:
        self._messages: list[Mail] = []
        # One event loop needs no lock; this one keeps the store safe should SMTP ever run
        # in a thread of its own (aiosmtpd's Controller does).
        self._lock = threading.Lock()

    def add(self, mail: Mail) -> None:
        """Keep one more message."""
        with self._lock:
            self._messages.append(mail)

    def messages(self, *, to: str | None = None, subject: str | None = None) -> list[Mail]:
        """The messages kept, oldest first, sent to `to` and with `subject` in the subject."""
        with self._lock:
            return [m for m in self._messages if m.matches(to=to, subject=subject)]

    def clear(self) -> None:
        """Forget every message."""
        with self._lock:
            self._messages.clear()


@dataclass(frozen=True)
class Sink:
    """The aiosmtpd handler: accepts every recipient and keeps every message."""

    store: MailStore

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Keep the message just received."""
        content = envelope.original_content or b""
        mail = read_mail(envelope.rcpt_tos, content, datetime.now(UTC))
        self.store.add(mail)
        logger.info("SMTP message to %s: %s", ", ".join(mail.to), mail.subject)
        return "250 Message accepted for delivery"


async def start_smtp(store: MailStore, host: str, port: int) -> asyncio.Server:
    """Listen for SMTP on the running event loop, keeping what arrives in `store`."""
    loop = asyncio.get_running_loop()
    sink = Sink(store)
    # A fixed hostname spares the reverse DNS look-up aiosmtpd would make for each connection.
    return await loop.create_server(
        lambda: SMTP(sink, hostname="mock-mail", enable_SMTPUTF8=True, loop=loop), host, port
    )


def get_store(request: Request) -> MailStore:
    store: MailStore = request.app.state.store
    return store


StoreDep = Annotated[MailStore, Depends(get_store)]
router = APIRouter()


@router.get("/messages")
async def list_messages(
    store: StoreDep, to: str | None = None, subject: str | None = None
) -> list[Json]:
    """Every message received, oldest first, optionally to one address or by subject text."""
    return [m.to_json() for m in store.messages(to=to, subject=subject)]


@router.delete("/messages", status_code=204)
async def delete_messages(store: StoreDep) -> Response:
    """Forget every message."""
    store.clear()
    return Response(status_code=204)


@router.get("/health")
async def health() -> Json:
    """The process is up, SMTP included."""
    return {"status": "ok"}


def create_app(store: MailStore) -> FastAPI:
    """The HTTP side of the mail server, showing the messages in `store`."""
    app = FastAPI(title="Mock mail server")
    app.state.store = store
    app.include_router(router)
    return app


class HttpServer(uvicorn.Server):
    """uvicorn's server, leaving signals to `serve`: uvicorn would raise them again on exit,
    and the process would then end by the signal rather than with status 0."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def stop(self) -> None:
        """Shut down gracefully; asked twice, at once."""
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True


async def serve(host: str, smtp_port: int, http_port: int) -> None:
    """Serve SMTP and HTTP on this event loop until SIGTERM or SIGINT."""
    store = MailStore()
    smtp = await start_smtp(store, host, smtp_port)
    config = uvicorn.Config(
        create_app(store),
        host=host,
        port=http_port,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    http = HttpServer(config)
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, http.stop)
    try:
        await http.serve()
    finally:
        # SMTP sessions still open are ended when asyncio.run cancels their tasks.
        smtp.close()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(stop_signal)
    logger.info("stopped")


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the mail server until stopped."""
    parser = argparse.ArgumentParser(
        prog="python -m mock.mail",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s mail %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    asyncio.run(serve(options.host, options.smtp_port, options.http_port))


if __name__ == "__main__":
    main()
