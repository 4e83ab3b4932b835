"""Products and how a listing of them is asked for."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity
from src.domain.ratings import Rating


class ProductStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


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

    @property
    def rating(self) -> Rating:
        return Rating(count=self.rating_count, total=self.rating_total)

    def changed(self, **changes: object) -> "Product":
        """A copy with some fields changed, checked against the same rules as a new one."""
        return Product.model_validate({**self.__dict__, **changes})


class ProductSort(StrEnum):
    """Orders a listing can take; ties are broken by id in the same direction. `-rating`:
    the best average rating first, then the most reviewed; unrated products last."""

    NEWEST = "-createdAt"
    OLDEST = "createdAt"
    CHEAPEST = "price"
    DEAREST = "-price"
    TITLE = "title"
    RATING = "-rating"  # the best average first, then the most reviewed; unrated last

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


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
class SellerFigures:
    """What a seller's public page sums up over its products: the rating of all of them
    (archived ones too: their reviews were of real purchases) and how many are on sale."""

    rating: Rating
    product_count: int


@dataclass(frozen=True, slots=True)
class CategorySummary:
    name: str
    product_count: int
