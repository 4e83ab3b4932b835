"""HTTP models of reviews, ratings and seller pages."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue, TypeAdapter

from src.application.reviews import SellerPage
from src.domain.ratings import Rating
from src.domain.reviews import Review, ReviewChanges, ReviewSort
from src.domain.reviews.entities import MAX_BODY, MAX_RATING, MAX_TITLE, MIN_RATING
from src.presentation.rest.schemas import (
    INT64_MAX,
    ApiModel,
    Documented,
    Integer,
    Omitted,
    PageCursor,
    PageLimit,
    PatchModel,
    RequestModel,
    sent_integer,
    sent_text,
    width,
)
from src.presentation.rest.users_schemas import MAX_FULL_NAME

# Plain text, kept as sent: no control characters (C0, DEL, C1), but for the line breaks and
# tabs a review's body may hold.
TITLE_PATTERN: Final = r"^[^\u0000-\u001f\u007f-\u009f]*$"
BODY_PATTERN: Final = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"

StarRating = Integer[
    Annotated[
        int,
        Field(ge=MIN_RATING, le=MAX_RATING, description="1 to 5 stars", examples=[5]),
        width(MIN_RATING, MAX_RATING),
    ]
]
ReviewTitle = Annotated[
    str,
    Field(
        max_length=MAX_TITLE,
        pattern=TITLE_PATTERN,
        description=f"Plain text, kept as sent; up to {MAX_TITLE} characters, no control "
        "characters. Empty: no title.",
        examples=["Bright and solid"],
    ),
]
ReviewBody = Annotated[
    str,
    Field(
        max_length=MAX_BODY,
        pattern=BODY_PATTERN,
        description=f"Plain text, kept as sent (never read as HTML); up to {MAX_BODY:,} "
        "characters, line breaks and tabs but no other control characters. Empty: no body.",
        examples=["Lights the whole desk.\nThe shade is real linen."],
    ),
]
SentRating = Annotated[int, sent_integer(MIN_RATING, MAX_RATING)]
SentTitle = Annotated[str, Documented(maxLength=MAX_TITLE, pattern=TITLE_PATTERN)]
SentBody = Annotated[str, Documented(maxLength=MAX_BODY, pattern=BODY_PATTERN)]
REVIEW: dict[str, JsonValue] = {
    "rating": 5,
    "title": "Bright and solid",
    "body": "Lights the whole desk.",
}


class CreateReviewRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REVIEW]})

    rating: StarRating
    title: ReviewTitle | None = None
    body: ReviewBody | None = None


class UpdateReviewRequest(PatchModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rating": 4, "title": ""}]})

    rating: StarRating | Omitted = None
    title: ReviewTitle | Omitted = None
    body: ReviewBody | Omitted = None

    def changes(self) -> ReviewChanges:
        return ReviewChanges(rating=self.rating, title=self.title, body=self.body)


class ReviewListQuery(ApiModel):
    """What `GET /products/{id}/reviews` accepts in its query string."""

    sort: ReviewSort = ReviewSort.NEWEST
    limit: PageLimit = 20
    cursor: PageCursor = None


class ReviewResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e4c52-9d1a-4f6e-8a43-5c2d7e9f1a30",
                    "productId": "492af436-1319-5c6f-bebf-63edb2364066",
                    "authorId": "7d0f3c1e-2a4b-4c6d-9e8f-1a2b3c4d5e6f",
                    "authorName": "Ada Lovelace",
                    **REVIEW,
                    "createdAt": "2026-12-01T10:00:00.000000Z",
                    "updatedAt": "2026-12-01T10:00:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    product_id: UUID
    author_id: UUID
    author_name: Annotated[str, sent_text(MAX_FULL_NAME)] = Field(
        description="The author's name as it is now (never their email)"
    )
    rating: SentRating
    title: SentTitle | None
    body: SentBody | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def many(cls, reviews: Sequence[Review]) -> list["ReviewResponse"]:
        return _REVIEW_RESPONSES.validate_python([vars(review) for review in reviews])

    @classmethod
    def of(cls, review: Review) -> "ReviewResponse":
        return cls.many((review,))[0]


_REVIEW_RESPONSES = TypeAdapter(list[ReviewResponse])


class RatingResponse(ApiModel):
    average: Annotated[float, Documented(minimum=MIN_RATING, maximum=MAX_RATING)] | None = Field(
        description="The average rating to two decimals (rounded half up); null when unrated",
        examples=[4.33],
    )
    count: Annotated[int, sent_integer(0, INT64_MAX)] = Field(
        description="How many reviews", examples=[3]
    )

    @classmethod
    def of(cls, rating: Rating) -> "RatingResponse":
        return cls(average=rating.average, count=rating.count)


class SellerResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                    "fullName": "Grace's Lamps",
                    "rating": {"average": 4.5, "count": 12},
                    "productCount": 7,
                    "createdAt": "2026-11-22T17:00:24.934934Z",
                }
            ]
        }
    )

    id: UUID
    full_name: Annotated[str, sent_text(MAX_FULL_NAME)]
    rating: RatingResponse = Field(
        description="Over every review of the seller's products, archived ones included"
    )
    product_count: Annotated[int, sent_integer(0, INT64_MAX)] = Field(
        description="Products on sale: those `GET /products?sellerId=…` lists"
    )
    created_at: datetime

    @classmethod
    def of(cls, page: SellerPage) -> "SellerResponse":
        return cls(
            id=page.seller.id,
            full_name=page.seller.full_name,
            rating=RatingResponse.of(page.figures.rating),
            product_count=page.figures.product_count,
            created_at=page.seller.created_at,
        )
