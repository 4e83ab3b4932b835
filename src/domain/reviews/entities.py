"""Reviews of products by the buyers who received them, and how a listing of them is asked."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity

MIN_RATING, MAX_RATING = 1, 5
MAX_TITLE, MAX_BODY = 120, 5000


class Review(Entity):
    id: UUID
    product_id: UUID
    author_id: UUID
    author_name: str  # the author's name as it is now, never their email
    rating: int = Field(ge=MIN_RATING, le=MAX_RATING)
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    body: str | None = Field(default=None, max_length=MAX_BODY)
    created_at: datetime
    updated_at: datetime


class ReviewSort(StrEnum):
    """Orders a product's reviews can be listed in: `-createdAt` newest first; `-rating` the
    best first, then the newest; `rating` the worst first, then the oldest; ties by id."""

    NEWEST = "-createdAt"
    BEST = "-rating"
    WORST = "rating"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


@dataclass(frozen=True, slots=True)
class ReviewChanges:
    """What an edit sets; None leaves a field as it is, and empty text clears it."""

    rating: int | None = None
    title: str | None = None
    body: str | None = None
