"""Who may review, edit and remove a review."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from src.domain.reviews import Review
from src.domain.reviews.rules import cleared, ensure_author, ensure_can_remove, ensure_can_review
from src.domain.users import Principal, Role
from src.infrastructure.errors import Forbidden

AUTHOR = Principal(user_id=uuid4(), role=Role.BUYER)
NOW = datetime(2026, 12, 3, tzinfo=UTC)
REVIEW = Review(
    id=uuid4(), product_id=uuid4(), author_id=AUTHOR.user_id, author_name="Ada", rating=5,
    created_at=NOW, updated_at=NOW,
)  # fmt: skip


def test_only_a_buyer_who_received_the_product_reviews_it() -> None:
    ensure_can_review(AUTHOR, received=True)
    with pytest.raises(Forbidden, match="received"):
        ensure_can_review(AUTHOR, received=False)
    for role in (Role.SELLER, Role.ADMIN):  # even one that somehow received it
        with pytest.raises(Forbidden, match="Only buyers"):
            ensure_can_review(Principal(user_id=uuid4(), role=role), received=True)


def test_the_author_alone_edits_and_an_admin_may_also_remove() -> None:
    ensure_author(AUTHOR, REVIEW)
    ensure_can_remove(AUTHOR, REVIEW)
    admin = Principal(user_id=uuid4(), role=Role.ADMIN)
    ensure_can_remove(admin, REVIEW)
    with pytest.raises(Forbidden):
        ensure_author(admin, REVIEW)
    for other in (
        Principal(user_id=uuid4(), role=Role.BUYER),
        Principal(user_id=uuid4(), role=Role.SELLER),
    ):
        with pytest.raises(Forbidden):
            ensure_author(other, REVIEW)
        with pytest.raises(Forbidden):
            ensure_can_remove(other, REVIEW)


def test_empty_text_is_no_text_and_any_other_is_kept_as_sent() -> None:
    assert cleared("") is None
    assert cleared(None) is None
    assert cleared("  <b>as sent</b> ") == "  <b>as sent</b> "
