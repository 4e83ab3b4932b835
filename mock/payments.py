"""A stand-in payment provider: charges, (partial) refunds and transfers to sellers,
idempotent per key, with faults on demand.

    python -m mock.payments --port 8081

Everything lives in memory and is gone when the process stops. Tokens beginning `tok_decline`
are declined. `POST /charges/{id}/refund` refunds `{"amount": n}` of a charge, or without a
body all that is left; each charge shows `refunded` (the amount so far) and `GET /refunds`
lists one row per refund made, however often it was asked for. Transfers to a seller named
in `POST /_refuse-transfers` are refused (a closed account). `POST /_faults` makes the next
calls to the POST endpoints fail (a 503, or a stall and then a 503), before or after their
effect is recorded; `POST /_reset` forgets all.
"""

import argparse
import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal, Protocol

import uvicorn
from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

logger = logging.getLogger("mock.payments")

Json = dict[str, object]
Mode = Literal["error", "timeout"]
When = Literal["before", "after"]
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Answer:
    """A response as sent, kept so that a repeated key gets exactly the same one back."""

    status: int
    body: Json

    def to_response(self) -> JSONResponse:
        """The answer as an HTTP response."""
        return JSONResponse(self.body, status_code=self.status)


UNAVAILABLE = Answer(503, {"error": "unavailable"})
NOT_FOUND = Answer(404, {"error": "notFound"})
DECLINED = Answer(402, {"error": "declined", "message": "The card was declined."})
TRANSFER_REFUSED = Answer(
    402, {"error": "transferRefused", "message": "The seller's account takes no transfers."}
)


class Refused(Exception):
    """A request turned away before it reaches the provider, with the answer to give."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body["error"])
        self.answer = answer


@dataclass(frozen=True)
class RefundRecord:
    """Money given back from a charge: one per refund made, however often it was asked."""

    id: str
    charge_id: str
    order_id: str
    amount: int
    currency: str
    idempotency_key: str

    def to_json(self) -> Json:
        """The refund as the API shows it."""
        return {
            "id": self.id,
            "chargeId": self.charge_id,
            "orderId": self.order_id,
            "amount": self.amount,
            "currency": self.currency,
            "idempotencyKey": self.idempotency_key,
        }


@dataclass
class Charge:
    """One successful charge, how much of it was refunded in how many refunds, and every key
    a refund of it was asked under (a client that refunds once asks under one key)."""

    id: str
    order_id: str
    amount: int
    currency: str
    idempotency_key: str
    status: Literal["succeeded", "refunded"] = "succeeded"  # refunded: all of it
    refunded: int = 0  # the amount refunded so far
    refunds: int = 0
    refund_keys: list[str] = field(default_factory=list)

    def to_json(self) -> Json:
        """The charge as the API shows it."""
        return {
            "id": self.id,
            "orderId": self.order_id,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "idempotencyKey": self.idempotency_key,
            "refunded": self.refunded,
            "refunds": self.refunds,
            "refundKeys": list(self.refund_keys),
        }


@dataclass(frozen=True)
class Transfer:
    """Money sent to a seller, once per key."""

    id: str
    seller_id: str
    amount: int
    currency: str
    idempotency_key: str

    def to_json(self) -> Json:
        """The transfer as the API shows it."""
        return {
            "id": self.id,
            "sellerId": self.seller_id,
            "amount": self.amount,
            "currency": self.currency,
            "idempotencyKey": self.idempotency_key,
        }


@dataclass
class Faults:
    """How many of the next POST calls fail, and how."""

    remaining: int = 0
    mode: Mode = "error"
    when: When = "before"

    def take(self) -> tuple[Mode, When] | None:
        """Use up one pending fault and say how to fail; None when the call goes through."""
        if self.remaining == 0:
            return None
        self.remaining -= 1
        return self.mode, self.when


class ChargeRequest(BaseModel):
    order_id: str = Field(alias="orderId", min_length=1)
    amount: int = Field(ge=1, strict=True)
    currency: str = Field(pattern="^[A-Za-z]{3}$")
    token: str = Field(min_length=1)


class RefundRequest(BaseModel):
    amount: int = Field(ge=1, strict=True)


class TransferRequest(BaseModel):
    seller_id: str = Field(alias="sellerId", min_length=1)
    amount: int = Field(ge=1, strict=True)
    currency: str = Field(pattern="^[A-Za-z]{3}$")


class RefuseTransfersRequest(BaseModel):
    seller_id: str = Field(alias="sellerId", min_length=1)


class FaultsRequest(BaseModel):
    fail_next: int = Field(alias="failNext", ge=0, strict=True)
    mode: Mode = "error"
    when: When = "before"


class Provider:
    """The provider's memory: charges oldest first, answers per key, pending faults."""

    def __init__(self, *, stall_seconds: float) -> None:
        self.stall_seconds = stall_seconds
        self.charges: dict[str, Charge] = {}
        self.charge_answers: dict[str, Answer] = {}
        self.refund_answers: dict[str, Answer] = {}
        self.refunds: dict[str, RefundRecord] = {}
        self.transfers: dict[str, Transfer] = {}
        self.transfer_answers: dict[str, Answer] = {}
        self.refusing: set[str] = set()  # sellers whose transfers are refused
        self.faults = Faults()
        self.lock = asyncio.Lock()

    def reset(self) -> None:
        """Forget every charge, transfer, key and fault."""
        self.charges.clear()
        self.charge_answers.clear()
        self.refund_answers.clear()
        self.refunds.clear()
        self.transfers.clear()
        self.transfer_answers.clear()
        self.refusing.clear()
        self.faults = Faults()

    async def call(self, act: Callable[[], Answer]) -> Answer:
        """Carry out one POST call, unless a pending fault fails it before or after."""
        fault = self.faults.take()
        # `act` never awaits, so today the event loop alone keeps check-and-record atomic;
        # the lock keeps two calls under one key from both recording should that change.
        if fault is None:
            async with self.lock:
                return act()
        mode, when = fault
        if when == "after":
            async with self.lock:
                act()
        if mode == "timeout":
            await asyncio.sleep(self.stall_seconds)
        return UNAVAILABLE

    def charge(self, request: ChargeRequest, key: str) -> Answer:
        """Charge once per key; a key already seen gets its first answer back, decline too."""
        if (seen := self.charge_answers.get(key)) is not None:
            return seen
        answer = DECLINED
        if not request.token.startswith("tok_decline"):
            charge = Charge(
                id=f"ch_{secrets.token_hex(12)}",
                order_id=request.order_id,
                amount=request.amount,
                currency=request.currency,
                idempotency_key=key,
            )
            self.charges[charge.id] = charge
            answer = Answer(201, charge.to_json())
        self.charge_answers[key] = answer
        return answer

    def refund(self, charge_id: str, key: str, amount: int | None = None) -> Answer:
        """Refund `amount` of a charge (all that is left when None), once per key: a key
        already seen gets its first answer back, whichever charge it names now. More than is
        left → 409; nothing left to refund in full → 200 and nothing moves."""
        if (seen := self.refund_answers.get(key)) is not None:
            return seen
        charge = self.charges.get(charge_id)
        if charge is None:
            return NOT_FOUND
        charge.refund_keys.append(key)
        left = charge.amount - charge.refunded
        wanted = left if amount is None else amount
        if wanted > left:
            answer = Answer(409, {"error": "refundExceedsCharge", "left": left})
        else:
            made = self._refund(charge, wanted, key) if wanted else None
            answer = Answer(200, charge.to_json() | {"refund": made and made.to_json()})
        self.refund_answers[key] = answer
        return answer

    def _refund(self, charge: Charge, amount: int, key: str) -> RefundRecord:
        made = RefundRecord(
            id=f"re_{secrets.token_hex(12)}", charge_id=charge.id, order_id=charge.order_id,
            amount=amount, currency=charge.currency, idempotency_key=key,
        )  # fmt: skip
        self.refunds[made.id] = made
        charge.refunded += amount
        charge.refunds += 1
        if charge.refunded == charge.amount:
            charge.status = "refunded"
        return made

    def transfer(self, request: TransferRequest, key: str) -> Answer:
        """Transfer once per key; a key already seen gets its first answer back, a refusal
        too."""
        if (seen := self.transfer_answers.get(key)) is not None:
            return seen
        answer = TRANSFER_REFUSED
        if request.seller_id not in self.refusing:
            transfer = Transfer(
                id=f"tr_{secrets.token_hex(12)}",
                seller_id=request.seller_id,
                amount=request.amount,
                currency=request.currency,
                idempotency_key=key,
            )
            self.transfers[transfer.id] = transfer
            answer = Answer(201, transfer.to_json())
        self.transfer_answers[key] = answer
        return answer


def get_provider(request: Request) -> Provider:
    provider: Provider = request.app.state.provider
    return provider


def require_key(idempotency_key: Annotated[str | None, Header()] = None) -> str:
    if not idempotency_key:
        raise Refused(Answer(400, {"error": "idempotencyKeyRequired"}))
    if len(idempotency_key) > MAX_KEY_LENGTH:
        raise Refused(Answer(400, {"error": "idempotencyKeyTooLong"}))
    return idempotency_key


class Listed(Protocol):
    def to_json(self) -> Json: ...


def matching(records: Iterable[Listed], **wanted: str | None) -> list[Json]:
    """The records (oldest first) whose fields equal every filter given (None: any)."""
    return [
        record.to_json()
        for record in records
        if all(value is None or getattr(record, name) == value for name, value in wanted.items())
    ]


ProviderDep = Annotated[Provider, Depends(get_provider)]
IdempotencyKey = Annotated[str, Depends(require_key)]
router = APIRouter()


@router.post("/charges", status_code=201)
async def create_charge(
    body: ChargeRequest, key: IdempotencyKey, provider: ProviderDep
) -> Response:
    """Charge a card once per Idempotency-Key (402 when declined)."""
    answer = await provider.call(lambda: provider.charge(body, key))
    return answer.to_response()


@router.post("/charges/{charge_id}/refund")
async def refund_charge(
    charge_id: str,
    key: IdempotencyKey,
    provider: ProviderDep,
    body: Annotated[RefundRequest | None, Body()] = None,
) -> Response:
    """Refund `amount` of a charge, or all that is left without a body; once per key."""
    amount = None if body is None else body.amount
    answer = await provider.call(lambda: provider.refund(charge_id, key, amount))
    return answer.to_response()


@router.get("/refunds")
async def list_refunds(
    provider: ProviderDep,
    charge_id: Annotated[str | None, Query(alias="chargeId")] = None,
    order_id: Annotated[str | None, Query(alias="orderId")] = None,
    idempotency_key: Annotated[str | None, Query(alias="idempotencyKey")] = None,
) -> list[Json]:
    """Every refund made, oldest first, optionally of one charge, order or key."""
    return matching(
        provider.refunds.values(),
        charge_id=charge_id, order_id=order_id, idempotency_key=idempotency_key,
    )  # fmt: skip


@router.get("/charges")
async def list_charges(
    provider: ProviderDep,
    order_id: Annotated[str | None, Query(alias="orderId")] = None,
    idempotency_key: Annotated[str | None, Query(alias="idempotencyKey")] = None,
) -> list[Json]:
    """Every charge made, oldest first, optionally for one order or one charge key."""
    return matching(provider.charges.values(), order_id=order_id, idempotency_key=idempotency_key)


@router.post("/transfers", status_code=201)
async def create_transfer(
    body: TransferRequest, key: IdempotencyKey, provider: ProviderDep
) -> Response:
    """Send money to a seller once per Idempotency-Key (402 when its account refuses it)."""
    answer = await provider.call(lambda: provider.transfer(body, key))
    return answer.to_response()


@router.get("/transfers")
async def list_transfers(
    provider: ProviderDep,
    seller_id: Annotated[str | None, Query(alias="sellerId")] = None,
    idempotency_key: Annotated[str | None, Query(alias="idempotencyKey")] = None,
) -> list[Json]:
    """Every transfer made, oldest first, optionally to one seller or under one key."""
    return matching(
        provider.transfers.values(), seller_id=seller_id, idempotency_key=idempotency_key
    )


@router.post("/_refuse-transfers", status_code=204)
async def refuse_transfers(body: RefuseTransfersRequest, provider: ProviderDep) -> Response:
    """Refuse every later transfer to this seller, as a closed account would."""
    provider.refusing.add(body.seller_id)
    return Response(status_code=204)


@router.post("/_faults")
async def set_faults(body: FaultsRequest, provider: ProviderDep) -> Json:
    """Make the next N POST calls fail (0 clears pending faults)."""
    provider.faults = Faults(body.fail_next, body.mode, body.when)
    return {"failNext": body.fail_next, "mode": body.mode, "when": body.when}


@router.get("/_faults")
async def pending_faults(provider: ProviderDep) -> Json:
    """The faults still pending: a count that drops only when a POST call reaches us."""
    faults = provider.faults
    return {"failNext": faults.remaining, "mode": faults.mode, "when": faults.when}


@router.post("/_reset", status_code=204)
async def reset(provider: ProviderDep) -> Response:
    """Forget every charge, transfer, key and fault."""
    provider.reset()
    return Response(status_code=204)


@router.get("/health")
async def health() -> Json:
    """The process is up."""
    return {"status": "ok"}


async def log_call(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    logger.info("%s %s %d", request.method, request.url.path, response.status_code)
    return response


def create_app(stall_seconds: float = 30.0) -> FastAPI:
    """The payment provider, with empty memory; a `timeout` fault stalls `stall_seconds`."""
    app = FastAPI(title="Mock payment provider")
    app.state.provider = Provider(stall_seconds=stall_seconds)
    app.include_router(router)
    app.middleware("http")(log_call)

    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> Response:
        return error.answer.to_response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        detail = jsonable_encoder(error.errors())
        return JSONResponse({"error": "invalid", "detail": detail}, status_code=422)

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the payment provider until stopped."""
    parser = argparse.ArgumentParser(
        prog="python -m mock.payments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--stall-seconds", type=float, default=30.0, help="how long a timeout fault stalls"
    )
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s payments %(message)s")
    app = create_app(stall_seconds=options.stall_seconds)
    # A stalled call must not hold up a SIGTERM for its full 30 s.
    uvicorn.run(
        app, host=options.host, port=options.port, access_log=False, timeout_graceful_shutdown=1
    )


if __name__ == "__main__":
    main()
