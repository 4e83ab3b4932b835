"""Analytics for sellers: how a product sells and ships, and sales by day."""

from src.domain.analytics.entities import DailySales, ProductOrderStats, SalesWindow
from src.domain.analytics.repository import AnalyticsRepository

__all__ = ["AnalyticsRepository", "DailySales", "ProductOrderStats", "SalesWindow"]
