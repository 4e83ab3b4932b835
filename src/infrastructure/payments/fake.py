"""An in-process payment provider: for unit tests, and the default when no provider URL is
set, so the README's run command can take payments with nothing else running.

It keeps its charges in this process's memory: with several workers each has its own, so
use the stand-in (`python -m mock.payments`) or a real provider for anything shared.
"""

from dataclasses import dataclass, field, replace
from uuid import uuid4

from src.infrastructure.errors import NotFound, PaymentDeclined
from src.infrastructure.payments.gateway import (
    Charge,
    PaymentGateway,
    ProviderRefund,
    Transfer,
    TransferRefused,
)

DECLINED_PREFIX = "tok_decline"


@dataclass
class FakePaymentGateway(PaymentGateway):
    charges: dict[str, Charge] = field(default_factory=dict)
    # Idempotency key -> the charge id it produced, or None for a decline.
    answers: dict[str, str | None] = field(default_factory=dict)
    refunds: dict[str, int] = field(default_factory=dict)  # charge id -> refunds performed
    # Idempotency key -> the partial refund it made.
    parts: dict[str, ProviderRefund] = field(default_factory=dict)
    # Transfers made, by idempotency key (None: refused), and sellers whose are refused.
    transfers: dict[str, Transfer | None] = field(default_factory=dict)
    refusing: set[str] = field(default_factory=set)

    async def charge(
        self, *, order_ref: str, amount: int, currency: str, token: str, idempotency_key: str
    ) -> Charge:
        del order_ref  # the fake keeps no per-order records
        if idempotency_key not in self.answers:
            if token.startswith(DECLINED_PREFIX):
                self.answers[idempotency_key] = None
            else:
                charge = Charge(id=f"ch_{uuid4().hex}", amount=amount, currency=currency,
                                refunded=False)  # fmt: skip
                self.charges[charge.id] = charge
                self.answers[idempotency_key] = charge.id
        charge_id = self.answers[idempotency_key]
        if charge_id is None:
            raise PaymentDeclined("The card was declined")
        return self.charges[charge_id]

    async def find_charge(self, *, idempotency_key: str) -> Charge | None:
        charge_id = self.answers.get(idempotency_key)
        return None if charge_id is None else self.charges[charge_id]

    async def refund(self, *, charge_id: str, idempotency_key: str) -> Charge:
        if charge_id not in self.charges:
            raise NotFound(f"No charge {charge_id}")
        if idempotency_key not in self.answers and not self.charges[charge_id].refunded:
            self.charges[charge_id] = replace(self.charges[charge_id], refunded=True)
            self.refunds[charge_id] = self.refunds.get(charge_id, 0) + 1
        self.answers.setdefault(idempotency_key, charge_id)
        return self.charges[charge_id]

    async def refund_part(
        self, *, charge_id: str, amount: int, idempotency_key: str
    ) -> ProviderRefund:
        charge = self.charges.get(charge_id)
        if charge is None:
            raise NotFound(f"No charge {charge_id}")
        if idempotency_key not in self.parts:
            made = ProviderRefund(id=f"re_{uuid4().hex}", charge_id=charge_id, amount=amount,
                                  currency=charge.currency)  # fmt: skip
            self.parts[idempotency_key] = made
            self.refunds[charge_id] = self.refunds.get(charge_id, 0) + 1
            refunded = sum(p.amount for p in self.parts.values() if p.charge_id == charge_id)
            if refunded >= charge.amount:
                self.charges[charge_id] = replace(charge, refunded=True)
        return self.parts[idempotency_key]

    async def find_refund(self, *, idempotency_key: str) -> ProviderRefund | None:
        return self.parts.get(idempotency_key)

    async def transfer(
        self, *, seller_ref: str, amount: int, currency: str, idempotency_key: str
    ) -> Transfer:
        if idempotency_key not in self.transfers:
            self.transfers[idempotency_key] = (
                None
                if seller_ref in self.refusing
                else Transfer(id=f"tr_{uuid4().hex}", amount=amount, currency=currency)
            )
        made = self.transfers[idempotency_key]
        if made is None:
            raise TransferRefused("The seller's account takes no transfers")
        return made
