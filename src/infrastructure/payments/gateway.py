"""`PaymentGateway`: what the application asks of a payment provider.

The port sits in infrastructure, beside its implementations, because this codebase's layers
put infrastructure at the bottom (the domain builds on it); the application depends on this
abstraction only, and `create_payment_gateway` picks the implementation from settings.

Every call carries an idempotency key: a call repeated with the same key has the provider's
first answer, so a retry can never charge or refund twice.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from src.infrastructure.errors import ServiceUnavailable, Undeliverable


@dataclass(frozen=True, slots=True)
class Charge:
    """A charge as the provider reports it."""

    id: str
    amount: int
    currency: str
    refunded: bool


@dataclass(frozen=True, slots=True)
class Transfer:
    """Money the provider sent to a seller."""

    id: str
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    """A refund (of part or all of a charge) as the provider reports it."""

    id: str
    charge_id: str
    amount: int
    currency: str


class TransferRefused(Exception):
    """The provider refused a transfer (the seller's account takes none): nothing was sent,
    and a repeat under the same key is refused again."""


class ProviderConflict(Undeliverable):
    """The provider refused a call that contradicts what it has recorded (a refund of more
    than is left of its charge): its records and ours disagree, and no retry mends that."""


class OutcomeUnknown(ServiceUnavailable):
    """The provider was reached but gave no answer (a timeout, a dropped connection, a
    5xx): the call may or may not have taken effect. `find_charge` tells, later."""


class PaymentGateway(ABC):
    @abstractmethod
    async def charge(
        self, *, order_ref: str, amount: int, currency: str, token: str, idempotency_key: str
    ) -> Charge:
        """Charge `amount` to the card behind `token`.

        Raises `PaymentDeclined` if the provider refuses the card (nothing is charged) and
        `ServiceUnavailable` (`paymentUnavailable`) if it cannot be reached or its circuit is
        open: in that case the charge may or may not have happened, and repeating the call
        with the same key settles it without charging twice.
        """

    @abstractmethod
    async def find_charge(self, *, idempotency_key: str) -> Charge | None:
        """The charge a `charge` call with this key made, or None if it made none (or was
        declined); `ServiceUnavailable` as for `charge`."""

    @abstractmethod
    async def refund(self, *, charge_id: str, idempotency_key: str) -> Charge:
        """Refund a charge in full; `ServiceUnavailable` as for `charge`."""

    @abstractmethod
    async def refund_part(
        self, *, charge_id: str, amount: int, idempotency_key: str
    ) -> ProviderRefund:
        """Refund `amount` of a charge (once per key: a repeat answers the first refund);
        `ServiceUnavailable` as for `charge`."""

    @abstractmethod
    async def find_refund(self, *, idempotency_key: str) -> ProviderRefund | None:
        """The refund a `refund_part` call with this key made, or None if it made none;
        `ServiceUnavailable` as for `charge`."""

    @abstractmethod
    async def transfer(
        self, *, seller_ref: str, amount: int, currency: str, idempotency_key: str
    ) -> Transfer:
        """Send `amount` to a seller once per key: a repeat (a retry after a lost answer)
        has the first answer. `TransferRefused` if the provider refuses it; otherwise
        `ServiceUnavailable` as for `charge`."""

    async def aclose(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Release connections; the runtime calls it when the application stops."""
