"""Product reviews and ratings."""

from src.domain.reviews.entities import Review, ReviewChanges, ReviewSort
from src.domain.reviews.repository import ReviewRepository

__all__ = ["Review", "ReviewChanges", "ReviewRepository", "ReviewSort"]
