"""A product's response, alone and in a page: every field, camelCase, UTC times."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from src.domain.catalog import Product, ProductOption, ProductStatus, Variant
from src.domain.catalog.images import ProductImage
from src.presentation.rest.catalog_schemas import ProductResponse


def links(key: str) -> str:
    return f"https://cdn.example.com/{key}"


def product(status: ProductStatus, **fields: object) -> Product:
    created = datetime(2026, 11, 22, 17, 0, 24, 934934, tzinfo=UTC)
    values: dict[str, object] = {
        "id": uuid4(), "seller_id": uuid4(), "title": "Brass desk lamp",
        "description": "Heavy", "price": 4999, "currency": "USD", "stock": 3,
        "category": "lighting", "status": status, "created_at": created,
        "updated_at": created + timedelta(minutes=5),
    }  # fmt: skip
    return Product.model_validate(values | fields)


def answer(product: Product) -> dict[str, object]:
    """What the contract shows for `product`, written out apart from the code under test."""
    return {
        "id": str(product.id), "sellerId": str(product.seller_id), "title": product.title,
        "description": product.description, "price": product.price,
        "currency": product.currency, "stock": product.stock, "category": product.category,
        "status": product.status.value,
        "createdAt": "2026-11-22T17:00:24.934934Z", "updatedAt": "2026-11-22T17:05:24.934934Z",
        "rating": RATINGS[product.rating_count, product.rating_total],
        "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
        "variants": [
            {"id": str(v.id), "sku": v.sku, "options": v.options, "price": v.price,
             "stock": v.stock}
            for v in product.variants
        ],
        "images": [
            {"id": str(i.id), "url": f"https://cdn.example.com/{i.key}", "width": i.width,
             "height": i.height, "contentType": i.content_type}
            for i in product.images
        ],
    }  # fmt: skip


# (count, total) -> the rating answered: the average to two decimals, rounded half up.
RATINGS = {
    (0, 0): {"average": None, "count": 0},
    (3, 13): {"average": 4.33, "count": 3},
    (8, 33): {"average": 4.13, "count": 8},  # 4.125
    (2, 3): {"average": 1.5, "count": 2},
}


def test_a_page_of_responses_answers_each_product_in_order_with_its_own_fields() -> None:
    products = [
        product(ProductStatus.ACTIVE),
        product(ProductStatus.ARCHIVED, description="", stock=0),
        product(ProductStatus.ACTIVE, title="Ünïcode ☃", price=1, category="toys"),
        product(ProductStatus.ACTIVE, rating_count=3, rating_total=13),
        product(ProductStatus.ACTIVE, rating_count=8, rating_total=33),
        product(ProductStatus.ACTIVE, rating_count=2, rating_total=3),
        product(
            ProductStatus.ACTIVE,
            options=(ProductOption(name="Größe", values=("S", "L")),),
            variants=(
                Variant(id=uuid4(), sku="G-S", options={"Größe": "S"}, price=900, stock=0),
                Variant(id=uuid4(), sku="G-L", options={"Größe": "L"}, price=700, stock=4),
            ),
            images=(
                ProductImage(id=uuid4(), key="ab.png", width=6, height=1, content_type="image/png"),
                ProductImage(id=uuid4(), key="c.jpg", width=3, height=9, content_type="image/jpeg"),
            ),
        ),
    ]
    page = ProductResponse.many(products, links)
    assert [each.model_dump(mode="json") for each in page] == [answer(p) for p in products]
    # With options, the lowest variant price and the total stock, whatever was given.
    assert (page[-1].price, page[-1].stock) == (700, 4)
    assert ProductResponse.many([], links) == []


def test_a_response_carries_every_field_in_camel_case_with_utc_times() -> None:
    lamp = product(ProductStatus.ARCHIVED)
    assert ProductResponse.of(lamp, links).model_dump(mode="json") == {
        "id": str(lamp.id), "sellerId": str(lamp.seller_id), "title": "Brass desk lamp",
        "description": "Heavy", "price": 4999, "currency": "USD", "stock": 3,
        "category": "lighting", "status": "archived",
        "createdAt": "2026-11-22T17:00:24.934934Z", "updatedAt": "2026-11-22T17:05:24.934934Z",
        "rating": {"average": None, "count": 0},
        "options": [],
        "variants": [{"id": str(lamp.id), "sku": lamp.id.hex, "options": {}, "price": 4999,
                      "stock": 3}],
        "images": [],
    }  # fmt: skip
