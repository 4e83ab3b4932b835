"""Review rules: who may review, edit and remove, and what a product's rating is."""

from src.domain.reviews.entities import Review
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import Conflict, Forbidden


def ensure_can_review(principal: Principal, *, received: bool) -> None:
    """Only a buyer who received the product (its seller's shipment of an order of theirs
    holding it was delivered) reviews it."""
    if principal.role is not Role.BUYER:
        raise Forbidden("Only buyers review products")
    if not received:
        raise Forbidden("Only a buyer who received this product can review it")


def already_reviewed() -> Conflict:
    return Conflict("You have already reviewed this product", code="alreadyReviewed")


def ensure_author(principal: Principal, review: Review) -> None:
    """A review is edited by its author alone."""
    if principal.user_id != review.author_id:
        raise Forbidden("Only the review's author can change it")


def ensure_can_remove(principal: Principal, review: Review) -> None:
    """A review is removed by its author or an admin."""
    if principal.role is not Role.ADMIN and principal.user_id != review.author_id:
        raise Forbidden("Only the review's author or an admin can remove it")


def cleared(text: str | None) -> str | None:
    """Review text as stored: as sent, except that empty text is no text."""
    return text or None
