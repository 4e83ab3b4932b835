"""Commission arithmetic: exact integers in minor units and basis points, never floats."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

BPS_SCALE = 10_000  # basis points in a whole: 10 000 bps = 100 %
MAX_RATE_BPS = BPS_SCALE


def commission_on(amount: int, rate_bps: int) -> int:
    """round-half-even(amount × rate_bps / 10 000), in exact integer arithmetic: a tie (a
    remainder of exactly half a unit) goes to the even neighbour, so that rounding favours
    neither the platform nor the seller over many orders."""
    if amount < 0 or not 0 <= rate_bps <= MAX_RATE_BPS:
        raise ValueError(f"commission on {amount} at {rate_bps} bps")
    quotient, remainder = divmod(amount * rate_bps, BPS_SCALE)
    twice = 2 * remainder
    if twice > BPS_SCALE or (twice == BPS_SCALE and quotient % 2 == 1):
        quotient += 1
    return quotient


@dataclass(frozen=True, slots=True)
class CommissionRates:
    """The rates in force: the default, then per category and per seller (each overrides
    what comes before it), in basis points."""

    default_bps: int
    categories: Mapping[str, int] = field(default_factory=dict)
    sellers: Mapping[UUID, int] = field(default_factory=dict)

    def rate_for(self, *, seller_id: UUID, category: str) -> int:
        """The seller's own rate, else its product's category's, else the default."""
        if seller_id in self.sellers:
            return self.sellers[seller_id]
        return self.categories.get(category, self.default_bps)
