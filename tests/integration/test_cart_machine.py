"""Carts as a state machine: random runs of add, change, remove, merge and checkout through the
application operations, against a real database, kept equal to a Python model.

After every step each cart reads back as the model has it (its lines in order, its status,
its order) and every variant's stock is exact: a checkout takes what its cart holds, and one
that is refused (empty cart, short of stock, another total expected) changes nothing.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from src.application import carts
from src.application.auth import create_user
from src.application.catalog import import_products
from src.domain.carts import MAX_LINE_QUANTITY, CartStatus
from src.domain.catalog import Product, ProductOption, ProductRepository, ProductStatus, Variant
from src.domain.orders import ShippingAddress
from src.domain.users import Principal, Role
from src.infrastructure.database import transaction
from src.infrastructure.errors import AppError
from src.infrastructure.runtime import Runtime
from tests.integration.machines import run_machine

pytestmark = pytest.mark.database

T = TypeVar("T")
ADDRESS = ShippingAddress(
    full_name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB"
)


@dataclass
class ModelCart:
    lines: dict[UUID, int] = field(default_factory=dict)  # variant -> quantity, in line order
    guest: bool = True
    order_id: UUID | None = None  # once checked out


@transaction(readonly=True)
async def stock_levels(product_ids: list[UUID]) -> dict[UUID, int]:
    products = await ProductRepository().get_many(product_ids)
    return {v.id: v.stock for product in products.values() for v in product.variants}


async def new_shop() -> tuple[Principal, list[Product]]:
    """A buyer, and a seller's lamp (one variant) and shirt (two sizes), little in stock."""
    buyer, seller = [
        await create_user(email=f"{role}-{uuid4().hex[:8]}@example.com", full_name=role,
                          role=role, password_hash="unused")
        for role in (Role.BUYER, Role.SELLER)
    ]  # fmt: skip
    now = datetime.now(UTC)
    common: dict[str, Any] = {
        "seller_id": seller.id, "description": "", "currency": "USD", "category": "c",
        "status": ProductStatus.ACTIVE, "created_at": now, "updated_at": now,
    }  # fmt: skip
    lamp = Product(id=uuid4(), title="Lamp", price=1250, stock=6, **common)
    shirt = Product(
        id=uuid4(), title="Shirt", price=1, stock=0, **common,
        options=(ProductOption(name="Size", values=("S", "M")),),
        variants=tuple(
            Variant(id=uuid4(), sku=f"{size}-{uuid4().hex[:8]}", options={"Size": size},
                    price=price, stock=stock)
            for size, price, stock in (("S", 999, 4), ("M", 1999, 1200))
        ),
    )  # fmt: skip
    await import_products(products=[lamp, shirt])
    return Principal(user_id=buyer.id, role=Role.BUYER), [lamp, shirt]


class CartMachine(RuleBasedStateMachine):
    """One buyer, guest carts, and the buyer's own; each run on products of its own."""

    run: Callable[[Awaitable[Any]], Any]  # runs a coroutine on the test's event loop

    def __init__(self) -> None:
        super().__init__()
        self.buyer, products = self.run(new_shop())
        self.variants = [(p.id, v.id) for p in products for v in p.variants]
        self.price = {v.id: v.price for p in products for v in p.variants}
        self.stock = self.run(stock_levels([p.id for p in products]))
        self.carts: dict[UUID, ModelCart] = {}
        self.buyers_cart: UUID | None = None  # the buyer's open cart, once made

    def attempt(self, operation: Awaitable[T]) -> T | str:
        """The operation's result, or the code of the error it was refused with."""
        try:
            return self.run(operation)  # type: ignore[no-any-return]
        except AppError as refused:
            return refused.code

    def open_carts(self) -> list[UUID]:
        # In the order the carts were made, never by id: ids are random, and a choice that
        # hypothesis replays must pick the same cart again.
        return [cart for cart, model in self.carts.items() if model.order_id is None]

    def pick_open(self, data: st.DataObject) -> UUID:
        return data.draw(st.sampled_from(self.open_carts()), label="cart")

    @rule()
    def start_a_guest_cart(self) -> None:
        cart, made = self.run(carts.create_cart(principal=None))
        assert made
        self.carts[cart.cart.id] = ModelCart()

    @rule()
    def read_the_buyers_cart(self) -> None:
        cart = self.run(carts.current_cart(principal=self.buyer))
        if self.buyers_cart is None:
            self.buyers_cart = cart.cart.id
            self.carts[cart.cart.id] = ModelCart(guest=False)
        assert cart.cart.id == self.buyers_cart

    @precondition(lambda self: self.open_carts())
    @rule(data=st.data(), quantity=st.integers(1, 700))
    def add(self, data: st.DataObject, quantity: int) -> None:
        cart_id = self.pick_open(data)
        product_id, variant_id = data.draw(st.sampled_from(self.variants), label="variant")
        principal = None if self.carts[cart_id].guest else self.buyer
        result = self.attempt(carts.add_item(principal=principal, cart_id=cart_id,
                                             product_id=product_id, variant_id=variant_id,
                                             quantity=quantity))  # fmt: skip
        lines = self.carts[cart_id].lines
        if lines.get(variant_id, 0) + quantity > MAX_LINE_QUANTITY:
            assert result == "validationError"
            return
        assert not isinstance(result, str), result
        lines[variant_id] = lines.get(variant_id, 0) + quantity

    @precondition(lambda self: len(self.open_carts()) < len(self.carts))
    @rule(data=st.data())
    def a_checked_out_cart_does_not_change(self, data: st.DataObject) -> None:
        done = [cart for cart, model in self.carts.items() if model.order_id is not None]
        cart_id = data.draw(st.sampled_from(done), label="cart")
        product_id, variant_id = self.variants[0]
        result = self.attempt(carts.add_item(principal=self.buyer, cart_id=cart_id,
                                             product_id=product_id, variant_id=variant_id,
                                             quantity=1))  # fmt: skip
        assert result == "invalidState"

    @precondition(lambda self: any(self.carts[c].lines for c in self.open_carts()))
    @rule(data=st.data(), quantity=st.integers(1, MAX_LINE_QUANTITY))
    def change_quantity(self, data: st.DataObject, quantity: int) -> None:
        cart_id = data.draw(st.sampled_from([c for c in self.open_carts() if self.carts[c].lines]))
        index = data.draw(st.integers(0, len(self.carts[cart_id].lines) - 1), label="line")
        item = self.run(carts.get_cart(principal=self.buyer, cart_id=cart_id)).cart.items[index]
        principal = None if self.carts[cart_id].guest else self.buyer
        self.run(carts.change_item(principal=principal, cart_id=cart_id, item_id=item.id,
                                   quantity=quantity))  # fmt: skip
        self.carts[cart_id].lines[item.variant_id] = quantity

    @precondition(lambda self: any(self.carts[c].lines for c in self.open_carts()))
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        cart_id = data.draw(st.sampled_from([c for c in self.open_carts() if self.carts[c].lines]))
        index = data.draw(st.integers(0, len(self.carts[cart_id].lines) - 1), label="line")
        item = self.run(carts.get_cart(principal=self.buyer, cart_id=cart_id)).cart.items[index]
        principal = None if self.carts[cart_id].guest else self.buyer
        self.run(carts.remove_item(principal=principal, cart_id=cart_id, item_id=item.id))
        del self.carts[cart_id].lines[item.variant_id]

    @precondition(lambda self: any(self.carts[c].guest for c in self.open_carts()))
    @rule(data=st.data())
    def merge_a_guest_cart_into_the_buyers(self, data: st.DataObject) -> None:
        guest = data.draw(st.sampled_from([c for c in self.open_carts() if self.carts[c].guest]))
        result = self.attempt(carts.merge_guest_cart(principal=self.buyer, guest_cart_id=guest))
        assert not isinstance(result, str), result
        if self.buyers_cart is None:  # the buyer had none open: the merge made it
            self.buyers_cart = result.cart.id
            self.carts[result.cart.id] = ModelCart(guest=False)
        assert result.cart.id == self.buyers_cart
        mine = self.carts[self.buyers_cart].lines
        for variant_id, quantity in self.carts.pop(guest).lines.items():
            mine[variant_id] = min(mine.get(variant_id, 0) + quantity, MAX_LINE_QUANTITY)

    @precondition(lambda self: self.carts)
    @rule(data=st.data(), expect_wrong_total=st.booleans())
    def check_out(self, data: st.DataObject, expect_wrong_total: bool) -> None:
        cart_id = data.draw(st.sampled_from(list(self.carts)), label="cart")
        model = self.carts[cart_id]
        total = sum(self.price[v] * q for v, q in model.lines.items())
        expected = total + 1 if expect_wrong_total else data.draw(st.sampled_from([None, total]))
        result = self.attempt(carts.check_out(principal=self.buyer, cart_id=cart_id,
                                              shipping_address=ADDRESS,
                                              expected_total=expected))  # fmt: skip
        if model.order_id is not None:  # checked out already: the same order, nothing taken
            assert not isinstance(result, str), result
            assert (result[0].id, result[1]) == (model.order_id, False)
            return
        if not model.lines:
            assert result == "validationError"
        elif any(quantity > self.stock[v] for v, quantity in model.lines.items()):
            assert result == "outOfStock"
        elif expect_wrong_total:
            assert result == "priceChanged"
        else:
            assert not isinstance(result, str), result
            order, made = result
            assert made
            assert (order.total, order.cart_id) == (total, cart_id)
            assert {item.variant_id: item.quantity for item in order.items} == model.lines
            for variant_id, quantity in model.lines.items():
                self.stock[variant_id] -= quantity
            model.order_id, model.guest = order.id, False  # a guest cart is the buyer's now
            if cart_id == self.buyers_cart:
                self.buyers_cart = None

    @invariant()
    def carts_and_stock_are_as_the_model_has_them(self) -> None:
        for cart_id, model in self.carts.items():
            read = self.run(carts.get_cart(principal=self.buyer, cart_id=cart_id))
            lines = {item.variant_id: item.quantity for item in read.cart.items}
            assert list(lines.items()) == list(model.lines.items())
            assert read.subtotal == sum(self.price[v] * q for v, q in model.lines.items())
            status = CartStatus.OPEN if model.order_id is None else CartStatus.CHECKED_OUT
            assert (read.cart.status, read.cart.order_id) == (status, model.order_id)
            assert read.cart.buyer_id == (None if model.guest else self.buyer.user_id)
        product_ids = sorted({product_id for product_id, _ in self.variants})
        assert self.run(stock_levels(product_ids)) == self.stock
        assert min(self.stock.values()) >= 0


async def test_carts_stay_as_the_model_has_them_and_stock_exact(runtime: Runtime) -> None:
    await run_machine(CartMachine, settings(max_examples=20, stateful_step_count=30, deadline=None))
