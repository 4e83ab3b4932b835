"""Commission rates: what admins set, and what an order being placed is charged."""

from collections.abc import Collection
from uuid import UUID

from src.domain.clock import utcnow
from src.domain.money import CommissionRates
from src.domain.money.repository import CommissionRateRepository
from src.domain.users import Principal, Role, UserRepository
from src.domain.users.rules import ensure_admin
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import NotFound
from src.infrastructure.runtime import runtime


def _configured_default() -> int:
    """`COMMISSION__DEFAULT_RATE_BPS`: the default until an admin stores one."""
    return runtime().settings.commission.default_rate_bps


async def rates_for_order(
    *, sellers: Collection[UUID], categories: Collection[str]
) -> CommissionRates:
    """Inside the placing transaction: the rates in force for these sellers and categories."""
    return await CommissionRateRepository().for_order(
        sellers=sellers, categories=categories, default_bps=_configured_default()
    )


@transaction(readonly=True)
async def read_rates(*, principal: Principal) -> CommissionRates:
    """Every rate in force (admins)."""
    ensure_admin(principal)
    return await CommissionRateRepository().all(_configured_default())


@transaction
async def set_default_rate(*, principal: Principal, rate_bps: int) -> CommissionRates:
    """Store the default rate, which then wins over `COMMISSION__DEFAULT_RATE_BPS`."""
    ensure_admin(principal)
    rates = CommissionRateRepository()
    await rates.set_default(rate_bps, utcnow())
    return await rates.all(_configured_default())


@transaction
async def set_category_rate(
    *, principal: Principal, category: str, rate_bps: int
) -> CommissionRates:
    """Set a category's rate (a category no product is in yet may have one too)."""
    ensure_admin(principal)
    rates = CommissionRateRepository()
    await rates.set_category(category, rate_bps, utcnow())
    return await rates.all(_configured_default())


@transaction
async def remove_category_rate(*, principal: Principal, category: str) -> None:
    """Forget a category's rate; its products then pay the default."""
    ensure_admin(principal)
    if not await CommissionRateRepository().remove_category(category):
        raise NotFound("This category has no rate of its own")


@transaction
async def set_seller_rate(
    *, principal: Principal, seller_id: UUID, rate_bps: int
) -> CommissionRates:
    """Set a seller's own rate, which wins over its categories'; only a seller has one."""
    ensure_admin(principal)
    user = await UserRepository().get(seller_id)
    if user is None or user.role is not Role.SELLER:
        raise NotFound("No such seller")
    rates = CommissionRateRepository()
    await rates.set_seller(seller_id, rate_bps, utcnow())
    return await rates.all(_configured_default())


@transaction
async def remove_seller_rate(*, principal: Principal, seller_id: UUID) -> None:
    """Forget a seller's own rate; its products then pay their categories' or the default."""
    ensure_admin(principal)
    if not await CommissionRateRepository().remove_seller(seller_id):
        raise NotFound("This seller has no rate of its own")
