"""HTTP models of the catalog."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue, TypeAdapter

from src.domain.catalog import CategorySummary, Product, ProductChanges, ProductFilter, ProductSort
from src.presentation.rest.schemas import (
    ApiModel,
    Integer,
    Omitted,
    PageCursor,
    PageLimit,
    PatchModel,
    RequestModel,
    text,
)

MAX_PRICE = 10**12  # minor units: ten billion in a two-decimal currency
MAX_STOCK = 10**9

Title = Annotated[
    str,
    text(200),
    Field(examples=["Brass desk lamp"]),
]
Description = Annotated[
    str, Field(max_length=5000, examples=["A heavy brass lamp with a linen shade."])
]
Price = Integer[
    Annotated[int, Field(ge=1, le=MAX_PRICE, description="Minor units (cents)", examples=[4999])]
]
Currency = Annotated[
    str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code", examples=["USD"])
]
Stock = Integer[Annotated[int, Field(ge=0, le=MAX_STOCK, examples=[12])]]
Category = Annotated[
    str,
    text(100),
    Field(examples=["lighting"]),
]


PriceBound = Integer[
    Annotated[int, Field(ge=0, le=MAX_PRICE, description="Inclusive, minor units")]
]


# The product the API docs show, as listed and as answered.
LAMP: dict[str, JsonValue] = {
    "title": "Brass desk lamp",
    "description": "A heavy brass lamp with a linen shade.",
    "price": 4999,
    "currency": "USD",
    "stock": 12,
    "category": "lighting",
}


class ProductListQuery(ApiModel):
    """What `GET /products` accepts in its query string."""

    q: str | None = Field(default=None, max_length=200, description="Text in title or description")
    category: str | None = Field(default=None, min_length=1, max_length=100)
    seller_id: UUID | None = None
    min_price: PriceBound | None = None
    max_price: PriceBound | None = None
    in_stock: bool = Field(default=False, description="Only products with stock left")
    sort: ProductSort = ProductSort.NEWEST
    limit: PageLimit = 20
    cursor: PageCursor = None

    def product_filter(self) -> ProductFilter:
        return ProductFilter(
            q=self.q,
            category=self.category,
            seller_id=self.seller_id,
            min_price=self.min_price,
            max_price=self.max_price,
            in_stock=self.in_stock,
        )


class CreateProductRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [LAMP]})

    title: Title
    description: Description = ""
    price: Price
    currency: Currency = "USD"
    stock: Stock
    category: Category


class UpdateProductRequest(PatchModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"price": 3999, "stock": 0}]})

    title: Title | Omitted = None
    description: Description | Omitted = None
    price: Price | Omitted = None
    currency: Currency | Omitted = None
    stock: Stock | Omitted = None
    category: Category | Omitted = None

    def changes(self) -> ProductChanges:
        return ProductChanges(
            title=self.title,
            description=self.description,
            price=self.price,
            currency=self.currency,
            stock=self.stock,
            category=self.category,
        )


class ProductResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "492af436-1319-5c6f-bebf-63edb2364066",
                    "sellerId": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                    **LAMP,
                    "status": "active",
                    "createdAt": "2026-11-22T17:00:24.934934Z",
                    "updatedAt": "2026-11-22T17:05:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    seller_id: UUID
    title: str = Field(examples=["Brass desk lamp"])
    description: str
    price: int = Field(description="Minor units (cents)", examples=[4999])
    currency: str = Field(examples=["USD"])
    stock: int = Field(examples=[12])
    category: str = Field(examples=["lighting"])
    status: Literal["active", "archived"]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, product: Product) -> "ProductResponse":
        return cls.many((product,))[0]

    @classmethod
    def many(cls, products: Sequence[Product]) -> list["ProductResponse"]:
        """The responses for products, validated in one call.

        Each product's fields are passed as they are (`vars`): the names match, and pydantic
        turns the status into its string. A page of 20 costs half of validating each alone.
        """
        return _PRODUCT_RESPONSES.validate_python([vars(product) for product in products])


_PRODUCT_RESPONSES = TypeAdapter(list[ProductResponse])


class CategoryResponse(ApiModel):
    name: str = Field(examples=["lighting"])
    product_count: int = Field(description="Active products, in stock or not", examples=[42])

    @classmethod
    def of(cls, category: CategorySummary) -> "CategoryResponse":
        return cls(name=category.name, product_count=category.product_count)


class CategoriesResponse(ApiModel):
    items: list[CategoryResponse]
