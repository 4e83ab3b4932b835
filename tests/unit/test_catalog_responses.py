"""A page of products answers each product exactly as reading it alone does."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from src.domain.catalog import Product, ProductStatus
from src.presentation.rest.catalog_schemas import ProductResponse


def product(status: ProductStatus, **fields: object) -> Product:
    created = datetime(2026, 11, 22, 17, 0, 24, 934934, tzinfo=UTC)
    values: dict[str, object] = {
        "id": uuid4(), "seller_id": uuid4(), "title": "Brass desk lamp",
        "description": "Heavy", "price": 4999, "currency": "USD", "stock": 3,
        "category": "lighting", "status": status, "created_at": created,
        "updated_at": created + timedelta(minutes=5),
    }  # fmt: skip
    return Product.model_validate(values | fields)


def test_a_page_of_responses_matches_the_single_responses() -> None:
    products = [
        product(ProductStatus.ACTIVE),
        product(ProductStatus.ARCHIVED, description="", stock=0),
        product(ProductStatus.ACTIVE, title="Ünïcode ☃", price=1),
    ]
    many = ProductResponse.many(products)
    assert [each.model_dump_json() for each in many] == [
        ProductResponse.of(each).model_dump_json() for each in products
    ]
    assert many[1].status == "archived"
    assert ProductResponse.many([]) == []


def test_a_response_carries_every_field_in_camel_case_with_utc_times() -> None:
    lamp = product(ProductStatus.ARCHIVED)
    assert ProductResponse.of(lamp).model_dump(mode="json") == {
        "id": str(lamp.id), "sellerId": str(lamp.seller_id), "title": "Brass desk lamp",
        "description": "Heavy", "price": 4999, "currency": "USD", "stock": 3,
        "category": "lighting", "status": "archived",
        "createdAt": "2026-11-22T17:00:24.934934Z", "updatedAt": "2026-11-22T17:05:24.934934Z",
    }  # fmt: skip
