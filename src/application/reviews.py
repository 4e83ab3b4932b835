"""Reviewing products, reading their reviews, and the public pages of sellers.

A review and its product's rating change in one transaction: the rating is read and written
by one statement on the product's row, so concurrent reviews of a product each count."""

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from uuid import UUID, uuid4

from src.application.listing import Listing
from src.domain.catalog import ProductRepository, SellerFigures
from src.domain.catalog.rules import ensure_visible
from src.domain.clock import utcnow
from src.domain.pagination import Page
from src.domain.reviews import Review, ReviewChanges, ReviewRepository, ReviewSort
from src.domain.reviews.rules import cleared, ensure_author, ensure_can_remove, ensure_can_review
from src.domain.users import Principal, Role, User, UserRepository
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import NotFound

# One listing per sort, so that a cursor of one sort is refused by another.
_LISTINGS = MappingProxyType(
    {
        sort: Listing(f"reviews:{sort.value}", ReviewRepository.sort_key_types(sort))
        for sort in ReviewSort
    }
)


def _found(review: Review | None) -> Review:
    if review is None:
        raise NotFound("No such review")
    return review


@transaction
async def create_review(
    *, principal: Principal, product_id: UUID, rating: int, title: str | None, body: str | None
) -> Review:
    """Review a product the caller received; once per buyer and product."""
    products, reviews = ProductRepository(), ReviewRepository()
    ensure_visible(await products.get(product_id))
    received = await reviews.received(buyer_id=principal.user_id, product_id=product_id)
    ensure_can_review(principal, received=received)
    author = await UserRepository().get(principal.user_id)
    if author is None:  # the account was removed after its token was issued
        raise NotFound("No such user")
    now = utcnow()
    review = Review(
        id=uuid4(),
        product_id=product_id,
        author_id=author.id,
        author_name=author.full_name,
        rating=rating,
        title=cleared(title),
        body=cleared(body),
        created_at=now,
        updated_at=now,
    )
    await products.rate(product_id, total=rating, count=1)
    return await reviews.add(review)


@transaction
async def update_review(*, principal: Principal, review_id: UUID, changes: ReviewChanges) -> Review:
    """Change a review (its author alone); the product's rating follows."""
    reviews = ReviewRepository()
    review = _found(await reviews.get(review_id))
    ensure_author(principal, review)
    rating = review.rating if changes.rating is None else changes.rating
    edited = review.model_copy(
        update={
            "rating": rating,
            "title": review.title if changes.title is None else cleared(changes.title),
            "body": review.body if changes.body is None else cleared(changes.body),
            "updated_at": utcnow(),
        }
    )
    if rating != review.rating:
        await ProductRepository().rate(review.product_id, total=rating - review.rating, count=0)
    return await reviews.save(edited)


@transaction
async def delete_review(*, principal: Principal, review_id: UUID) -> None:
    """Remove a review (its author or an admin); the product's rating follows."""
    reviews = ReviewRepository()
    review = _found(await reviews.get(review_id))
    ensure_can_remove(principal, review)
    await ProductRepository().rate(review.product_id, total=-review.rating, count=-1)
    await reviews.remove(review_id)


@transaction
async def import_reviews(*, reviews: Sequence[Review]) -> None:
    """Store reviews in bulk, skipping those already stored (by id), and set their products'
    ratings to what all their stored reviews add up to: for seeding, not for buyers."""
    repository = ReviewRepository()
    await repository.add_missing(reviews)
    products = sorted({review.product_id for review in reviews})
    await ProductRepository().set_ratings(await repository.ratings(products))


@transaction(readonly=True)
async def get_review(*, review_id: UUID) -> Review:
    """A review, whoever asks."""
    return _found(await ReviewRepository().get(review_id))


@transaction(readonly=True)
async def list_reviews(
    *, product_id: UUID, sort: ReviewSort, limit: int, cursor: str | None
) -> Page[Review]:
    """A page of an active product's reviews, in the chosen order."""
    ensure_visible(await ProductRepository().get(product_id))
    return await _LISTINGS[sort].page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: ReviewRepository().list_page(
            product_id, sort=sort, after=after, count=count
        ),
    )


@dataclass(frozen=True, slots=True)
class SellerPage:
    seller: User
    figures: SellerFigures


@transaction(readonly=True)
async def get_seller(*, seller_id: UUID) -> SellerPage:
    """A seller's public page; a user who is not a seller is not found."""
    seller = await UserRepository().get(seller_id)
    if seller is None or seller.role is not Role.SELLER:
        raise NotFound("No such seller")
    return SellerPage(seller, await ProductRepository().seller_figures(seller_id))
