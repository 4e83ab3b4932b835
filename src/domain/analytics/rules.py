"""Analytics rules: who may read what, and which days a sales report may span."""

from datetime import date, timedelta

from src.domain.analytics.entities import SalesWindow
from src.domain.catalog.entities import Product
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import FieldError, Forbidden, ValidationFailed

DEFAULT_DAYS = 30
MAX_DAYS = 366


def ensure_can_read_product(principal: Principal, product: Product) -> None:
    """A product's figures are for its seller and admins."""
    if principal.role is not Role.ADMIN and principal.user_id != product.seller_id:
        raise Forbidden("Only the product's seller or an admin can read its analytics")


def ensure_seller(principal: Principal) -> None:
    if principal.role is not Role.SELLER:
        raise Forbidden("Sales reports are for sellers")


def sales_window(first: date | None, last: date | None, today: date) -> SalesWindow:
    """The days asked for; by default today and the 29 days before it."""
    last = last or (today if first is None else min(first + timedelta(DEFAULT_DAYS - 1), today))
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed(
            "`from` is after `to`",
            errors=[FieldError(("query", "from"), "must not be after `to`")],
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            f"A sales report spans at most {MAX_DAYS} days",
            errors=[FieldError(("query", "from"), f"at most {MAX_DAYS} days before `to`")],
        )
    return SalesWindow(first=first, last=last)
