"""Catalog rules and the product entity's own checks, without a database."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from src.domain.catalog import Product, ProductFilter, ProductStatus
from src.domain.catalog.rules import (
    check_filter,
    ensure_can_manage,
    ensure_can_sell,
    ensure_visible,
    search_text,
    title_key,
)
from src.domain.users import Principal, Role
from src.infrastructure.errors import Forbidden, NotFound, ValidationFailed

NOW = datetime.now(UTC)


def product(**changes: object) -> Product:
    fields: dict[str, object] = {
        "id": uuid4(), "seller_id": uuid4(), "title": "Lamp", "description": "", "price": 100,
        "currency": "USD", "stock": 1, "category": "lighting", "status": ProductStatus.ACTIVE,
        "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return Product.model_validate(fields | changes)


@pytest.mark.parametrize("role", [Role.SELLER, Role.ADMIN])
def test_sellers_and_admins_may_sell(role: Role) -> None:
    ensure_can_sell(Principal(user_id=uuid4(), role=role))


def test_buyers_may_not_sell() -> None:
    with pytest.raises(Forbidden):
        ensure_can_sell(Principal(user_id=uuid4(), role=Role.BUYER))


def test_a_product_is_managed_by_its_seller_or_an_admin_only() -> None:
    item = product()
    ensure_can_manage(Principal(user_id=item.seller_id, role=Role.SELLER), item)
    ensure_can_manage(Principal(user_id=uuid4(), role=Role.ADMIN), item)
    for role in (Role.SELLER, Role.BUYER):
        with pytest.raises(Forbidden):
            ensure_can_manage(Principal(user_id=uuid4(), role=role), item)


def test_archived_and_missing_products_are_not_found() -> None:
    assert ensure_visible(item := product()) is item
    for hidden in (None, product(status=ProductStatus.ARCHIVED)):
        with pytest.raises(NotFound):
            ensure_visible(hidden)


def test_an_upside_down_price_range_is_refused() -> None:
    check_filter(ProductFilter(min_price=5, max_price=5))
    with pytest.raises(ValidationFailed):
        check_filter(ProductFilter(min_price=6, max_price=5))


def test_search_and_sort_keys_are_case_folded() -> None:
    assert title_key("STRASSE") == title_key("Straße") == "strasse"
    assert "lamp" in search_text("Brass LAMP", "")
    assert "oak" in search_text("Desk", "Solid OAK")


@pytest.mark.parametrize(
    "changes", [{"price": 0}, {"stock": -1}, {"title": ""}, {"currency": "usd"}, {"category": ""}]
)
def test_a_product_keeps_its_rules_through_every_change(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        product(**changes)
    with pytest.raises(ValidationError):
        product().changed(**changes)


def test_a_change_returns_a_new_product_and_leaves_the_old_one() -> None:
    original = product()
    cheaper = original.changed(price=50)
    assert (cheaper.price, original.price, cheaper.id) == (50, 100, original.id)
