"""Carts: making, reading and changing them, merging a guest's into a buyer's, checking out.

Every change locks the cart first (a row lock on PostgreSQL; SQLite's write transactions run
one at a time), so two tabs adding to one cart, or two checkouts of it, take turns.
"""

from datetime import timedelta
from uuid import UUID, uuid4

from src.application.orders import place_order
from src.domain.carts import Cart, CartRepository, CartStatus, PricedCart
from src.domain.carts.rules import (
    check_expected_total,
    chosen_variant,
    ensure_can_check_out,
    ensure_open,
    ensure_visible,
    merged,
    order_lines,
    priced,
    with_line,
    with_quantity,
    without_line,
)
from src.domain.catalog import Product, ProductRepository
from src.domain.clock import utcnow
from src.domain.orders import Order, OrderRepository, ShippingAddress
from src.domain.users import Principal, Role
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import FieldError, Forbidden, NotFound, ValidationFailed
from src.infrastructure.runtime import runtime

# Guest carts deleted per run of the purge, so that one run never holds a long transaction.
_PURGE_BATCH = 500


async def _products_of(cart: Cart, *also: UUID) -> dict[UUID, Product]:
    """The cart's products, and those named, read in one statement."""
    return await ProductRepository().get_many(list({i.product_id for i in cart.items}.union(also)))


async def _priced(cart: Cart) -> PricedCart:
    return priced(cart, await _products_of(cart))


def _new_cart(buyer_id: UUID | None) -> Cart:
    now = utcnow()
    return Cart(id=uuid4(), buyer_id=buyer_id, status=CartStatus.OPEN, created_at=now,
                updated_at=now)  # fmt: skip


def _ensure_buyer(principal: Principal) -> None:
    if principal.role is not Role.BUYER:
        raise Forbidden("Only buyers have a current cart")


async def _open_cart_of(principal: Principal) -> tuple[Cart, bool]:
    """The buyer's open cart, made if there is none (once, however many ask at once);
    whether it was made now."""
    carts = CartRepository()
    made = await carts.add(_new_cart(principal.user_id))
    cart_id = await carts.open_cart_of(principal.user_id)
    cart = await carts.get(cart_id, for_update=True) if cart_id is not None else None
    if cart is None:  # only a concurrent checkout in between could do that
        raise ValidationFailed("The cart changed meanwhile; try again", errors=[])
    return cart, made


@transaction
async def create_cart(*, principal: Principal | None) -> tuple[PricedCart, bool]:
    """A new guest cart; with a buyer's token, the buyer's open cart (made if none): a buyer
    has one open cart. Whether it was made now."""
    if principal is None:
        cart = _new_cart(None)
        await CartRepository().add(cart)
        return await _priced(cart), True
    _ensure_buyer(principal)
    cart, made = await _open_cart_of(principal)
    return await _priced(cart), made


@transaction(readonly=True)
async def get_cart(*, principal: Principal | None, cart_id: UUID) -> PricedCart:
    """A cart as the catalog prices it now, to whoever may see it."""
    return await _priced(ensure_visible(principal, await CartRepository().get(cart_id)))


@transaction
async def current_cart(*, principal: Principal) -> PricedCart:
    """The buyer's open cart, made if there is none."""
    _ensure_buyer(principal)
    cart, _ = await _open_cart_of(principal)
    return await _priced(cart)


async def _changeable(principal: Principal | None, cart_id: UUID) -> Cart:
    cart = ensure_visible(principal, await CartRepository().get(cart_id, for_update=True))
    ensure_open(cart)
    return cart


@transaction
async def add_item(
    *,
    principal: Principal | None,
    cart_id: UUID,
    product_id: UUID,
    variant_id: UUID | None,
    quantity: int,
) -> PricedCart:
    """Add some of a variant (None: a product's only one) to a cart: to its line if it has one."""
    cart = await _changeable(principal, cart_id)
    products = await _products_of(cart, product_id)  # the product added, and the cart's others
    product, variant = chosen_variant(products.get(product_id), variant_id)
    changed, line = with_line(cart, product, variant, quantity, line_id=uuid4(), now=utcnow())
    return priced(await CartRepository().save_line(changed, line), products)


@transaction
async def change_item(
    *, principal: Principal | None, cart_id: UUID, item_id: UUID, quantity: int
) -> PricedCart:
    cart = await _changeable(principal, cart_id)
    changed, line = with_quantity(cart, item_id, quantity, now=utcnow())
    return await _priced(await CartRepository().save_line(changed, line))


@transaction
async def remove_item(*, principal: Principal | None, cart_id: UUID, item_id: UUID) -> None:
    cart = await _changeable(principal, cart_id)
    await CartRepository().save_without_line(without_line(cart, item_id, now=utcnow()), item_id)


@transaction
async def merge_guest_cart(*, principal: Principal, guest_cart_id: UUID) -> PricedCart:
    """Add a guest cart's lines to the buyer's open cart; the guest cart is then gone."""
    _ensure_buyer(principal)
    cart, _ = await _open_cart_of(principal)
    carts = CartRepository()
    guest = await carts.get(guest_cart_id, for_update=True)
    if guest is not None and guest.id == cart.id:
        raise ValidationFailed(
            "A cart cannot be merged into itself",
            errors=[FieldError(("body", "cartId"), "is the buyer's current cart")],
        )
    if guest is None or guest.buyer_id is not None:  # only guest carts merge
        raise NotFound("No such guest cart")
    ensure_open(guest)
    changed = merged(cart, guest, now=utcnow())
    await carts.remove(guest.id)  # first: its lines move, ids and all
    return await _priced(await carts.save(changed))


@transaction
async def check_out(
    *,
    principal: Principal,
    cart_id: UUID,
    shipping_address: ShippingAddress,
    expected_total: int | None,
) -> tuple[Order, bool]:
    """Turn a cart into an order, as `POST /orders` places one, exactly once: checking out
    a cart again returns the order it became. Whether the order was made now.

    The cart is locked first, so concurrent checkouts of it take turns and all but the
    first find it checked out; `orders.cart_id` is unique besides. A guest cart becomes the
    buyer's.
    """
    ensure_can_check_out(principal)
    carts = CartRepository()
    cart = ensure_visible(principal, await carts.get(cart_id, for_update=True))
    if cart.status is CartStatus.CHECKED_OUT:
        order = await OrderRepository().of_cart(cart.id)
        if order is not None:
            return order, False
    order = await place_order(
        principal=principal,
        lines=order_lines(cart),
        shipping_address=shipping_address,
        cart_id=cart.id,
    )
    check_expected_total(expected_total, order.total)
    done = cart.model_copy(
        update={"status": CartStatus.CHECKED_OUT, "order_id": order.id,
                "buyer_id": principal.user_id, "updated_at": utcnow()}
    )  # fmt: skip
    await carts.save(done, with_items=False)
    return order, True


@transaction
async def purge_abandoned_carts() -> int:
    """Delete guest carts untouched for `CARTS__GUEST_TTL_DAYS` (a batch at a time); how many
    went. Buyers' carts are kept."""
    before = utcnow() - timedelta(days=runtime().settings.carts.guest_ttl_days)
    carts = CartRepository()
    stale = await carts.stale_guest_carts(before, _PURGE_BATCH)
    await carts.remove_many(stale)
    return len(stale)
