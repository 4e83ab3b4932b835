"""Products and how a listing of them is asked for."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from src.domain.catalog.images import ProductImage
from src.domain.entities import Entity
from src.domain.ratings import Rating


class ProductStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


MAX_OPTIONS = 3
MAX_OPTION_VALUES = 20
MAX_VARIANTS = 100


class ProductOption(Entity):
    """A way a product comes (`Size`: S, M, L); its name and values as the seller wrote them."""

    name: str = Field(min_length=1, max_length=50)
    values: tuple[str, ...] = Field(min_length=1, max_length=MAX_OPTION_VALUES)


class Variant(Entity):
    """One combination of a product's options that is sold, with its own price and stock.
    A product without options has exactly one, with no options, kept in step with it."""

    id: UUID
    sku: str = Field(min_length=1, max_length=64)
    options: dict[str, str]
    price: int = Field(ge=1)  # minor units
    stock: int = Field(ge=0)


class VariantSpec(Entity):
    """A variant as a seller describes it, before it is stored."""

    sku: str = Field(min_length=1, max_length=64)
    options: dict[str, str]
    price: int = Field(ge=1)
    stock: int = Field(ge=0)


class Product(Entity):
    id: UUID
    seller_id: UUID
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=5000)
    price: int = Field(ge=1)  # minor units (cents)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    stock: int = Field(ge=0)
    category: str = Field(min_length=1, max_length=100)
    status: ProductStatus
    created_at: datetime
    updated_at: datetime
    # Kept in step with the product's reviews; never changed with the product's own fields.
    rating_count: int = Field(default=0, ge=0)
    rating_total: int = Field(default=0, ge=0)
    # Its options, and the variants that are sold, in the order the seller gave them. The
    # product's own price is its lowest variant price and its stock their sum.
    options: tuple[ProductOption, ...] = ()
    variants: tuple[Variant, ...] = ()
    images: tuple[ProductImage, ...] = ()  # in upload order

    @model_validator(mode="before")
    @classmethod
    def _variants_in_step(cls, data: Any) -> Any:
        """Without options, a product has exactly one variant, which follows its price and
        stock (made here when none is given); with options, its price is its variants' lowest
        and its stock their total."""
        if not isinstance(data, dict):
            return data
        variants = data.get("variants") or ()
        if not data.get("options"):
            kept = variants[0] if variants else None
            follow = {"price": data.get("price"), "stock": data.get("stock")}
            if kept is None:
                product_id = data.get("id")
                sku = product_id.hex if isinstance(product_id, UUID) else ""
                variant: Any = {"id": product_id, "sku": sku, "options": {}, **follow}
            elif isinstance(kept, Variant):
                variant = kept if kept.price == follow["price"] and kept.stock == follow[
                    "stock"] else kept.model_copy(update=follow)  # fmt: skip
            else:
                variant = {**kept, **follow}
            return {**data, "variants": (variant,)}
        if variants:
            prices = [v.price if isinstance(v, Variant) else v["price"] for v in variants]
            stocks = [v.stock if isinstance(v, Variant) else v["stock"] for v in variants]
            return {**data, "price": min(prices), "stock": sum(stocks)}
        return data

    @property
    def rating(self) -> Rating:
        return Rating(count=self.rating_count, total=self.rating_total)

    def changed(self, **changes: object) -> "Product":
        """A copy with some fields changed, checked against the same rules as a new one."""
        return Product.model_validate({**self.__dict__, **changes})

    def variant(self, variant_id: UUID) -> Variant | None:
        return next((each for each in self.variants if each.id == variant_id), None)

    def image(self, image_id: UUID) -> ProductImage | None:
        return next((each for each in self.images if each.id == image_id), None)


class ProductSort(StrEnum):
    """Orders a listing can take; ties are broken by id in the same direction. `-rating`:
    the best average rating first, then the most reviewed; unrated products last.
    `relevance`: the products whose title holds every word of `q` first, then the others,
    each group newest first (without `q` every product is in the first group)."""

    NEWEST = "-createdAt"
    OLDEST = "createdAt"
    CHEAPEST = "price"
    DEAREST = "-price"
    TITLE = "title"
    RATING = "-rating"  # the best average first, then the most reviewed; unrated last
    RELEVANCE = "relevance"  # title matches first, then newest first

    @property
    def descending(self) -> bool:
        return self is ProductSort.RELEVANCE or self.value.startswith("-")


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """Which active products a listing holds; None means "any"."""

    q: str | None = None
    category: str | None = None
    seller_id: UUID | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """What an update sets; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    price: int | None = None
    currency: str | None = None
    stock: int | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class VariantChanges:
    """What a variant's update sets; None leaves a field as it is."""

    sku: str | None = None
    price: int | None = None
    stock: int | None = None


@dataclass(frozen=True, slots=True)
class StockTaken:
    """What taking stock from a product tells an order about it, as it is now."""

    product_id: UUID
    seller_id: UUID
    title: str
    currency: str
    variant_count: int
    category: str  # what the commission rate may depend on


@dataclass(frozen=True, slots=True)
class SellerFigures:
    """What a seller's public page sums up over its products: the rating of all of them
    (archived ones too: their reviews were of real purchases) and how many are on sale."""

    rating: Rating
    product_count: int


@dataclass(frozen=True, slots=True)
class CategorySummary:
    name: str
    product_count: int
