"""A stand-in webhook receiver: verifies each delivery's signature, keeps what it received,
and fails on demand.

    python -m mock.webhooks --port 8090 --secret whsec_…

Deliveries are POSTed to any path. Each is verified with the Standard Webhooks library's own
verifier (`standardwebhooks`): a verified one is answered 204, any other 401; both are kept,
oldest first, at `GET /received` (with `verified`). `POST /_faults` `{"failNext": N, "mode":
"error" | "timeout" | "redirect"}` makes the next N deliveries fail: a 503, a stall of
`--stall-seconds` and then a 503, or a 302 to `redirectTo` (a receiver must not be followed
there). Failed ones are kept too, with the answer they got. `POST /_reset` forgets all.
Everything lives in memory.
"""

import argparse
import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

logger = logging.getLogger("mock.webhooks")

Json = dict[str, Any]
Mode = Literal["error", "timeout", "redirect"]


class FaultsRequest(BaseModel):
    fail_next: int = Field(alias="failNext", ge=0, strict=True)
    mode: Mode = "error"
    redirect_to: str = Field(alias="redirectTo", default="http://127.0.0.1:1/")


@dataclass
class Receiver:
    """What the receiver got, and the faults still pending."""

    verifier: Webhook
    stall_seconds: float
    received: list[Json] = field(default_factory=list)
    faults: FaultsRequest = field(default_factory=lambda: FaultsRequest(failNext=0))

    def take_fault(self) -> FaultsRequest | None:
        if self.faults.fail_next == 0:
            return None
        self.faults = self.faults.model_copy(update={"fail_next": self.faults.fail_next - 1})
        return self.faults

    def verify(self, body: bytes, headers: dict[str, str]) -> tuple[bool, Any, str | None]:
        """(verified, the parsed body or None, why not)."""
        try:
            return True, self.verifier.verify(body, headers), None
        except WebhookVerificationError as error:
            return False, None, str(error)


def get_receiver(request: Request) -> Receiver:
    receiver: Receiver = request.app.state.receiver
    return receiver


ReceiverDep = Annotated[Receiver, Depends(get_receiver)]
router = APIRouter()


@router.get("/received")
async def received(
    receiver: ReceiverDep,
    type_: Annotated[str | None, Query(alias="type")] = None,
    webhook_id: Annotated[str | None, Query(alias="webhookId")] = None,
) -> list[Json]:
    """What was delivered, oldest first, optionally of one type or one `webhook-id`."""
    return [
        each
        for each in receiver.received
        if type_ in {None, each["type"]} and webhook_id in {None, each["webhookId"]}
    ]


@router.delete("/received", status_code=204)
async def forget_received(receiver: ReceiverDep) -> Response:
    receiver.received.clear()
    return Response(status_code=204)


@router.post("/_faults")
async def set_faults(body: FaultsRequest, receiver: ReceiverDep) -> Json:
    """Make the next N deliveries fail (0 clears pending faults)."""
    receiver.faults = body
    return body.model_dump(by_alias=True)


@router.get("/_faults")
async def pending_faults(receiver: ReceiverDep) -> Json:
    return receiver.faults.model_dump(by_alias=True)


@router.post("/_reset", status_code=204)
async def reset(receiver: ReceiverDep) -> Response:
    receiver.received.clear()
    receiver.faults = FaultsRequest(failNext=0)
    return Response(status_code=204)


@router.get("/health")
async def health() -> Json:
    return {"status": "ok"}


async def _answer(receiver: Receiver, verified: bool) -> Response:
    fault = receiver.take_fault()
    if fault is None:
        return Response(status_code=204 if verified else 401)
    if fault.mode == "redirect":
        return Response(status_code=302, headers={"Location": fault.redirect_to})
    if fault.mode == "timeout":
        await asyncio.sleep(receiver.stall_seconds)
    return Response(status_code=503)


@router.post("/{path:path}")
async def deliver(path: str, request: Request, receiver: ReceiverDep) -> Response:
    """Receive a delivery: verify it, keep it, answer (or fail as the faults say)."""
    body = await request.body()
    headers = dict(request.headers)
    verified, parsed, why = receiver.verify(body, headers)
    answer = await _answer(receiver, verified)
    content = parsed if isinstance(parsed, dict) else {}
    receiver.received.append({
        "path": f"/{path}",
        "webhookId": headers.get("webhook-id"),
        "timestamp": headers.get("webhook-timestamp"),
        "host": headers.get("host"),
        "verified": verified,
        "error": why,
        "type": content.get("type"),
        "data": content.get("data"),
        "answered": answer.status_code,
        "receivedAt": datetime.now(UTC).isoformat(),
    })  # fmt: skip
    logger.info("%s /%s %d", headers.get("webhook-id"), path, answer.status_code)
    return answer


def create_app(secret: str, *, stall_seconds: float = 30.0) -> FastAPI:
    """A receiver verifying with `secret` (`whsec_…`), with nothing received yet."""
    app = FastAPI(title="Mock webhook receiver")
    app.state.receiver = Receiver(Webhook(secret), stall_seconds)
    app.include_router(router)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the receiver until stopped."""
    parser = argparse.ArgumentParser(
        prog="python -m mock.webhooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--secret", required=True, help="the endpoint's whsec_… secret")
    parser.add_argument(
        "--stall-seconds", type=float, default=30.0, help="how long a timeout fault stalls"
    )
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s webhooks %(message)s")
    app = create_app(options.secret, stall_seconds=options.stall_seconds)
    uvicorn.run(
        app, host=options.host, port=options.port, access_log=False, timeout_graceful_shutdown=1
    )


if __name__ == "__main__":
    main()
