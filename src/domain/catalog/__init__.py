"""The product catalog."""

from src.domain.catalog.entities import (
    CategorySummary,
    Product,
    ProductChanges,
    ProductFilter,
    ProductSort,
    ProductStatus,
)
from src.domain.catalog.repository import ProductRepository

__all__ = [
    "CategorySummary",
    "Product",
    "ProductChanges",
    "ProductFilter",
    "ProductRepository",
    "ProductSort",
    "ProductStatus",
]
