"""Products and how a listing of them is asked for."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity


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

    def changed(self, **changes: object) -> "Product":
        """A copy with some fields changed, checked against the same rules as a new one."""
        return Product.model_validate({**self.__dict__, **changes})


class ProductSort(StrEnum):
    """Orders a listing can take; ties are broken by id in the same direction."""

    NEWEST = "-createdAt"
    OLDEST = "createdAt"
    CHEAPEST = "price"
    DEAREST = "-price"
    TITLE = "title"

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
class CategorySummary:
    name: str
    product_count: int
