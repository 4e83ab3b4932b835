"""Reviews of products (public to read; buyers who received a product review it) and the
public pages of sellers."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from src.application import reviews
from src.presentation.rest.deps import AsBuyer, AsBuyerOrAdmin, location
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.reviews_schemas import (
    CreateReviewRequest,
    ReviewListQuery,
    ReviewResponse,
    SellerResponse,
    UpdateReviewRequest,
)
from src.presentation.rest.schemas import PageResponse, problems

product_reviews = APIRouter(prefix="/products/{product_id}/reviews", tags=["reviews"])
router = APIRouter(prefix="/reviews", tags=["reviews"])
sellers = APIRouter(prefix="/sellers", tags=["reviews"])


@product_reviews.post(
    "", status_code=status.HTTP_201_CREATED, responses=problems(401, 403, 404, 409, 422)
)
async def create_review(
    product_id: UUID,
    body: CreateReviewRequest,
    principal: AsBuyer,
    request: Request,
    response: Response,
) -> ReviewResponse:
    """Review a product you received.

    Only a buyer whose order holding the product was delivered (by that product's seller)
    → else 403; once per buyer and product → 409 `alreadyReviewed`. The product's rating
    counts it at once.
    """
    review = await reviews.create_review(
        principal=principal,
        product_id=product_id,
        rating=body.rating,
        title=body.title,
        body=body.body,
    )
    response.headers["Location"] = location(request, read_review, review_id=review.id)
    return ReviewResponse.of(review)


@product_reviews.get(
    "", responses=problems(404, 422), openapi_extra=query_parameters(ReviewListQuery)
)
async def list_reviews(
    product_id: UUID, query: Annotated[ReviewListQuery, query_model(ReviewListQuery)]
) -> PageResponse[ReviewResponse]:
    """List a product's reviews.

    Newest first unless sorted otherwise; walk the pages with `cursor`. An unknown or
    archived product → 404.
    """
    page = await reviews.list_reviews(
        product_id=product_id, sort=query.sort, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of(ReviewResponse.many(page.items), page)


@router.get("/{review_id}", responses=problems(404, 422))
async def read_review(review_id: UUID) -> ReviewResponse:
    """Read a review.

    Anyone may; an unknown one → 404.
    """
    return ReviewResponse.of(await reviews.get_review(review_id=review_id))


@router.patch("/{review_id}", responses=problems(401, 403, 404, 422))
async def update_review(
    review_id: UUID, body: UpdateReviewRequest, principal: AsBuyer
) -> ReviewResponse:
    """Change your review.

    Its author alone; fields left out stay as they are, empty text clears a title or body.
    """
    review = await reviews.update_review(
        principal=principal, review_id=review_id, changes=body.changes()
    )
    return ReviewResponse.of(review)


@router.delete(
    "/{review_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 403, 404, 422)
)
async def delete_review(review_id: UUID, principal: AsBuyerOrAdmin) -> None:
    """Remove a review (its author or an admin).

    The product's rating no longer counts it.
    """
    await reviews.delete_review(principal=principal, review_id=review_id)


@sellers.get("/{seller_id}", responses=problems(404, 422))
async def read_seller(seller_id: UUID) -> SellerResponse:
    """Read a seller's public page.

    Its name, the rating of its products and how many are on sale; its products are
    `GET /products?sellerId=…`. A user who is not a seller → 404.
    """
    return SellerResponse.of(await reviews.get_seller(seller_id=seller_id))
