"""The product catalog."""

from src.domain.catalog.entities import (
    CategorySummary,
    Product,
    ProductChanges,
    ProductFilter,
    ProductOption,
    ProductSort,
    ProductStatus,
    SellerFigures,
    StockTaken,
    Variant,
    VariantChanges,
    VariantSpec,
)
from src.domain.catalog.repository import ProductRepository
from src.domain.catalog.rules import MAX_LISTED_CATEGORIES

__all__ = [
    "MAX_LISTED_CATEGORIES",
    "CategorySummary",
    "Product",
    "ProductChanges",
    "ProductFilter",
    "ProductOption",
    "ProductRepository",
    "ProductSort",
    "ProductStatus",
    "SellerFigures",
    "StockTaken",
    "Variant",
    "VariantChanges",
    "VariantSpec",
]
