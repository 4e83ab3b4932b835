"""Marketplace money: commission on sales, and the ledger of what the platform owes sellers."""

from src.domain.money.commission import (
    BPS_SCALE,
    MAX_RATE_BPS,
    CommissionRates,
    commission_on,
)

__all__ = ["BPS_SCALE", "MAX_RATE_BPS", "CommissionRates", "commission_on"]
