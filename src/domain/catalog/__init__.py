"""The product catalog."""

from src.domain.catalog.entities import (
    CategorySummary,
    Product,
    ProductChanges,
    ProductFilter,
    ProductSort,
    ProductStatus,
    SellerFigures,
)
from src.domain.catalog.repository import ProductRepository
from src.domain.catalog.rules import MAX_LISTED_CATEGORIES

__all__ = [
    "MAX_LISTED_CATEGORIES",
    "CategorySummary",
    "Product",
    "ProductChanges",
    "ProductFilter",
    "ProductRepository",
    "ProductSort",
    "ProductStatus",
    "SellerFigures",
]
