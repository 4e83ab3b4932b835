"""Pure ASGI middleware (no `BaseHTTPMiddleware`, so context variables flow into handlers)."""

import re
import time
from collections.abc import Sequence
from uuid import uuid4

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.infrastructure.errors import ProgrammingError
from src.infrastructure.logging import request_id_var
from src.infrastructure.runtime import runtime
from src.infrastructure.web.metrics import record_pool, record_request, request_started
from src.infrastructure.web.problems import problem

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is echoed only if it is short and plain, so it cannot forge log lines.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class RequestContextMiddleware:
    """Gives each request an id (the client's, or a new one), echoes it in `X-Request-ID`,
    writes one access line per request, and answers unexpected errors with a bare 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        valid = incoming is not None and _CLIENT_REQUEST_ID.fullmatch(incoming)
        request_id = incoming if valid and incoming else uuid4().hex
        token = request_id_var.set(request_id)
        status = 500
        response_started = False
        started = time.perf_counter()
        request_started(scope["method"])

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error")
            if not response_started:  # answer with a problem that leaks nothing
                await problem(500, "An unexpected error occurred", code="internalError")(
                    scope, receive, send_with_id
                )
        finally:
            elapsed = time.perf_counter() - started
            template = _route_template(scope)
            record_request(scope["method"], template, status, elapsed)
            # Keyword arguments fill the message and land in the record's `extra` (the JSON
            # lines' fields) without `bind`, which would build a logger per request.
            logger.info(
                "{method} {path} {status} {duration_ms}ms",
                method=scope["method"], path=scope["path"], status=status,
                duration_ms=round(elapsed * 1000, 1), route=template,
            )  # fmt: skip
            _record_pool()
            request_id_var.reset(token)


def _route_template(scope: Scope) -> str | None:
    """The path template of the route that answered (`/api/v1/products/{product_id}`).

    FastAPI keeps an included router's route under its own path (`/products/{product_id}`)
    and records the full one in its effective route context, which is read when present.
    """
    effective = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(effective, "path", None) or getattr(scope.get("route"), "path", None)
    return str(template) if template else None


def _record_pool() -> None:
    """This worker's connections in use, for `db_connections_in_use`."""
    try:
        database = runtime().database
    except ProgrammingError:  # no runtime: the app is starting or stopping
        return
    record_pool(_checked_out(database.engine), _checked_out(database.readonly_engine))


def _checked_out(engine: AsyncEngine) -> int:
    pool = engine.sync_engine.pool
    return int(pool.checkedout()) if isinstance(pool, QueuePool) else 0


class BodyTooLarge(HTTPException):
    DETAIL = "The request body is too large"

    def __init__(self) -> None:
        super().__init__(413, self.DETAIL)


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413, by declared length or as they stream;
    paths matching one of `larger` (a pattern and its limit) have that limit instead."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, larger: Sequence[tuple[str, int]] = ()
    ) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.larger = [(re.compile(pattern), limit) for pattern, limit in larger]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        max_bytes = next(
            (limit for pattern, limit in self.larger if pattern.fullmatch(path)),
            self.default_bytes,
        )
        await self._limited(scope, receive, send, max_bytes)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        declared = _header(scope, b"content-length")
        if declared is not None and not declared.isdigit():
            await problem(400, "The Content-Length header is not a number")(scope, receive, send)
            return
        if declared is not None and int(declared) > max_bytes:
            await problem(413, BodyTooLarge.DETAIL)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge
            return message

        await self.app(scope, limited_receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class CompressionMiddleware(GZipMiddleware):
    """Starlette's gzip, for the clients that accept it.

    Starlette passes every other response through an identity responder that holds back and
    inspects its headers, only to add `Vary: Accept-Encoding`; here those responses go
    straight through. An uncompressed answer is one every client accepts, so a cache that
    keeps it without `Vary` serves nothing wrong.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "gzip" not in (_header(scope, b"accept-encoding") or ""):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
