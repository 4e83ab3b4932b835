"""Catalog rules: who may sell, who may change a product, what a listing may ask."""

from src.domain.catalog.entities import Product, ProductFilter, ProductStatus
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import FieldError, Forbidden, NotFound, ValidationFailed

SELLING_ROLES = frozenset({Role.SELLER, Role.ADMIN})
# Categories are listed whole (a small bounded collection): at most this many, the first by
# name, so that the answer stays bounded whatever sellers type.
MAX_LISTED_CATEGORIES = 10_000


def ensure_can_sell(principal: Principal) -> None:
    """Sellers and admins list products; buyers do not."""
    if principal.role not in SELLING_ROLES:
        raise Forbidden("Only sellers and admins can list products")


def ensure_visible(product: Product | None) -> Product:
    """The product if the public may see it; archived and unknown ones are not found."""
    if product is None or product.status is not ProductStatus.ACTIVE:
        raise NotFound("No such product")
    return product


def ensure_can_manage(principal: Principal, product: Product) -> None:
    """A product is changed by its seller or an admin."""
    if principal.role is not Role.ADMIN and principal.user_id != product.seller_id:
        raise Forbidden("Only the product's seller or an admin can change it")


def check_filter(product_filter: ProductFilter) -> None:
    """A price range must not be upside down."""
    low, high = product_filter.min_price, product_filter.max_price
    if low is not None and high is not None and low > high:
        raise ValidationFailed(
            "minPrice is greater than maxPrice",
            errors=[FieldError(("query", "minPrice"), "must not be greater than maxPrice")],
        )


def search_text(title: str, description: str) -> str:
    """What `q` searches: title and description, case-folded."""
    return f"{title}\n{description}".casefold()


def title_key(title: str) -> str:
    """What the title sort orders by: the case-folded title."""
    return title.casefold()
