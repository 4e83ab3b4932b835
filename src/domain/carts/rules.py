"""Cart rules: who sees a cart, what its lines may hold, how it is priced and merged."""

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from src.domain.carts.entities import (
    MAX_CART_LINES,
    MAX_LINE_QUANTITY,
    Cart,
    CartItem,
    CartStatus,
    PricedCart,
    PricedLine,
    SellerSubtotal,
)
from src.domain.catalog.entities import Product, ProductStatus, Variant
from src.domain.orders.entities import CartLine
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unprocessable,
    ValidationFailed,
)

DEFAULT_CURRENCY = "USD"


def may_see(principal: Principal | None, cart: Cart) -> bool:
    """A guest cart is seen by whoever holds its id; a buyer's by that buyer alone."""
    return cart.buyer_id is None or (principal is not None and principal.user_id == cart.buyer_id)


def ensure_visible(principal: Principal | None, cart: Cart | None) -> Cart:
    if cart is None or not may_see(principal, cart):
        raise NotFound("No such cart")
    return cart


def ensure_open(cart: Cart) -> None:
    if cart.status is not CartStatus.OPEN:
        raise Conflict("This cart is checked out; it cannot change", code="invalidState")


def ensure_can_check_out(principal: Principal) -> None:
    """Buyers check out (a guest cart becomes theirs); sellers and admins do not buy."""
    if principal.role is not Role.BUYER:
        raise Forbidden("Only buyers can check out")


def _product_unavailable(field: str, message: str) -> Unprocessable:
    return Unprocessable(
        "The product is unknown or no longer on sale",
        code="productUnavailable",
        errors=[FieldError(("body", field), message)],
    )


def chosen_variant(product: Product | None, variant_id: UUID | None) -> tuple[Product, Variant]:
    """The product on sale and the variant a line names (None: its only one)."""
    if product is None or product.status is not ProductStatus.ACTIVE:
        raise _product_unavailable("productId", "no such product on sale")
    if variant_id is None:
        if len(product.variants) != 1:
            raise ValidationFailed(
                "Name the variant of a product that has several",
                errors=[FieldError(("body", "variantId"),
                                   f"required: the product has {len(product.variants)} variants")],
            )  # fmt: skip
        return product, product.variants[0]
    variant = product.variant(variant_id)
    if variant is None:
        raise _product_unavailable("variantId", "no such variant of this product")
    return product, variant


def ensure_line_quantity(quantity: int) -> int:
    """A line holds 1..1000 of its variant: the quantity, or a 422 naming `quantity`."""
    if 1 <= quantity <= MAX_LINE_QUANTITY:
        return quantity
    raise ValidationFailed(
        f"A line holds 1 to {MAX_LINE_QUANTITY}",
        errors=[FieldError(("body", "quantity"),
                           f"the line would hold {quantity}, 1 to {MAX_LINE_QUANTITY}")],
    )  # fmt: skip


def merged_quantity(kept: int, added: int) -> int:
    """Two lines of one variant merged: their quantities add up, capped at 1000."""
    return min(kept + added, MAX_LINE_QUANTITY)


def _check_currency(cart: Cart, currency: str, field: str) -> None:
    if cart.currency is not None and cart.currency != currency:
        raise ValidationFailed(
            "A cart holds products of one currency",
            errors=[FieldError(("body", field), f"priced in {currency}, the cart in "
                                                f"{cart.currency}")],
        )  # fmt: skip


def _check_line_count(count: int) -> None:
    if count > MAX_CART_LINES:
        raise ValidationFailed(
            f"A cart holds at most {MAX_CART_LINES} lines",
            errors=[FieldError(("body",), f"the cart would hold {count} lines")],
        )


def with_line(
    cart: Cart, product: Product, variant: Variant, quantity: int, *, line_id: UUID,
    now: datetime,
) -> tuple[Cart, CartItem]:  # fmt: skip
    """The cart with `quantity` more of a variant (added to its line if it has one, else a
    new line `line_id`), and that line as it is now."""
    _check_currency(cart, product.currency, "productId")
    items = list(cart.items)
    for index, item in enumerate(items):
        if item.variant_id == variant.id:
            total = ensure_line_quantity(item.quantity + quantity)
            line = item.model_copy(update={"quantity": total, "unit_price": variant.price})
            items[index] = line
            break
    else:
        _check_line_count(len(items) + 1)
        line = CartItem(id=line_id, product_id=product.id, variant_id=variant.id,
                        quantity=ensure_line_quantity(quantity),
                        unit_price=variant.price)  # fmt: skip
        items.append(line)
    changed = cart.model_copy(update={"items": tuple(items), "currency": product.currency,
                                      "updated_at": now})  # fmt: skip
    return changed, line


def _line(cart: Cart, item_id: UUID) -> int:
    for index, item in enumerate(cart.items):
        if item.id == item_id:
            return index
    raise NotFound("No such line in this cart")


def with_quantity(
    cart: Cart, item_id: UUID, quantity: int, *, now: datetime
) -> tuple[Cart, CartItem]:
    """The cart with one line's quantity set, and that line."""
    index = _line(cart, item_id)
    items = list(cart.items)
    items[index] = items[index].model_copy(update={"quantity": ensure_line_quantity(quantity)})
    return cart.model_copy(update={"items": tuple(items), "updated_at": now}), items[index]


def without_line(cart: Cart, item_id: UUID, *, now: datetime) -> Cart:
    """The cart without one line (and without a currency once it is empty)."""
    index = _line(cart, item_id)
    items = cart.items[:index] + cart.items[index + 1 :]
    currency = cart.currency if items else None
    return cart.model_copy(update={"items": items, "currency": currency, "updated_at": now})


def merged(into: Cart, guest: Cart, *, now: datetime) -> Cart:
    """The buyer's cart with a guest cart's lines added: the quantities of one variant add up,
    capped at 1000; the guest's other lines follow the buyer's."""
    if guest.currency is not None:
        _check_currency(into, guest.currency, "cartId")
    items = list(into.items)
    where = {item.variant_id: index for index, item in enumerate(items)}
    for line in guest.items:
        if line.variant_id in where:
            kept = items[where[line.variant_id]]
            total = merged_quantity(kept.quantity, line.quantity)
            items[where[line.variant_id]] = kept.model_copy(update={"quantity": total})
        else:
            where[line.variant_id] = len(items)
            items.append(line)
    _check_line_count(len(items))
    currency = into.currency or guest.currency
    return into.model_copy(update={"items": tuple(items), "currency": currency,
                                   "updated_at": now})  # fmt: skip


def priced(cart: Cart, products: Mapping[UUID, Product]) -> PricedCart:
    """The cart as the catalog prices it now. A line of a product off sale, of a variant
    gone, or of more than is in stock is not available; a variant gone keeps the price its
    line last had. Subtotals count every line: checkout buys all of them or none."""
    lines = []
    sellers: dict[UUID, int] = {}
    for item in cart.items:
        product = products[item.product_id]
        variant = product.variant(item.variant_id)
        available = (
            product.status is ProductStatus.ACTIVE
            and variant is not None
            and variant.stock >= item.quantity
        )
        unit_price = item.unit_price if variant is None else variant.price
        lines.append(PricedLine(item, product.seller_id, product.title, unit_price,
                                product.currency, available))  # fmt: skip
        sellers[product.seller_id] = sellers.get(product.seller_id, 0) + unit_price * item.quantity
    return PricedCart(
        cart=cart,
        lines=tuple(lines),
        sellers=tuple(SellerSubtotal(seller, subtotal) for seller, subtotal in sellers.items()),
        subtotal=sum(sellers.values()),
        currency=cart.currency or DEFAULT_CURRENCY,
    )


def order_lines(cart: Cart) -> list[CartLine]:
    """What checking the cart out orders: its lines, each naming its variant."""
    return [
        CartLine(product_id=item.product_id, quantity=item.quantity, variant_id=item.variant_id)
        for item in cart.items
    ]


def check_expected_total(expected: int | None, total: int) -> None:
    """A checkout that names the total it expects is refused if the cart costs otherwise."""
    if expected is not None and expected != total:
        raise Conflict(
            f"The cart now costs {total}, not the {expected} expected", code="priceChanged"
        )
