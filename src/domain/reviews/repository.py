"""Review repository: rows in, reviews (with their author's name) out."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy import tuple_ as row

from src.domain.pagination import Fetched
from src.domain.ratings import Rating
from src.domain.reviews.entities import Review, ReviewSort
from src.domain.reviews.rules import already_reviewed
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import (
    OrderItemsTable,
    OrdersTable,
    ReviewsTable,
    ShipmentsTable,
    UsersTable,
)

_COLUMNS: tuple[Any, ...] = (
    ReviewsTable.id,
    ReviewsTable.product_id,
    ReviewsTable.author_id,
    UsersTable.full_name.label("author_name"),
    ReviewsTable.rating,
    ReviewsTable.title,
    ReviewsTable.body,
    ReviewsTable.created_at,
    ReviewsTable.updated_at,
)
_FIELDS = tuple(column.key for column in _COLUMNS)
_WITH_AUTHOR: Select[Any] = select(*_COLUMNS).join(
    UsersTable, UsersTable.id == ReviewsTable.author_id
)
_REVIEW_BY_ID = _WITH_AUTHOR.where(ReviewsTable.id == bindparam("review_id"))
# Each sort's key, by field: the columns it orders by, and where a listing row holds them.
_SORT_FIELDS: dict[ReviewSort, tuple[str, ...]] = {
    ReviewSort.NEWEST: ("created_at", "id"),
    ReviewSort.BEST: ("rating", "created_at", "id"),
    ReviewSort.WORST: ("rating", "created_at", "id"),
}
_SORT_KEYS = {
    sort: tuple(getattr(ReviewsTable, name) for name in names)
    for sort, names in _SORT_FIELDS.items()
}
_KEY_POSITIONS = {
    sort: tuple(_FIELDS.index(name) for name in names) for sort, names in _SORT_FIELDS.items()
}
# Whether the buyer received the product: an order of theirs holds it, and the shipment of
# that item's seller was delivered.
_RECEIVED = select(
    exists()
    .where(
        OrdersTable.buyer_id == bindparam("buyer_id"),
        OrderItemsTable.order_id == OrdersTable.id,
        OrderItemsTable.product_id == bindparam("product_id"),
        ShipmentsTable.order_id == OrdersTable.id,
        ShipmentsTable.seller_id == OrderItemsTable.seller_id,
        ShipmentsTable.status == literal_column("'delivered'"),
    )
    .correlate()
)


def _to_reviews(rows: Sequence[Any]) -> list[Review]:
    return [Review(**dict(zip(_FIELDS, row, strict=True))) for row in rows]


async def _listed_reviews(rows: Sequence[Any]) -> list[Review]:
    return _to_reviews(rows)


def _listing(sort: ReviewSort, *, paged: bool) -> Select[Any]:
    key = _SORT_KEYS[sort]
    conditions = [ReviewsTable.product_id == bindparam("product_id")]
    if paged:
        after = row(*(bindparam(f"after_{i}", type_=column.type) for i, column in enumerate(key)))
        conditions.append(row(*key) < after if sort.descending else row(*key) > after)
    order = [column.desc() if sort.descending else column.asc() for column in key]
    return _WITH_AUTHOR.where(and_(*conditions)).order_by(*order).limit(bindparam("limit"))


_LISTINGS = {
    (sort, paged): _listing(sort, paged=paged) for sort in ReviewSort for paged in (False, True)
}


class ReviewRepository(BaseRepository[ReviewsTable]):
    table = ReviewsTable
    conflicts = {"uq_reviews_product_id": already_reviewed}  # noqa: RUF012 - read-only mapping

    async def received(self, *, buyer_id: UUID, product_id: UUID) -> bool:
        """Whether the buyer received the product (see `_RECEIVED`)."""
        parameters = {"buyer_id": buyer_id, "product_id": product_id}
        return bool((await self._execute(_RECEIVED, parameters)).scalar_one())

    async def add(self, review: Review) -> Review:
        """Store a new review; a second one by its author of the product → 409."""
        values = review.model_dump(exclude={"author_name"})
        await self._execute(insert(ReviewsTable).values(values))
        return review

    async def add_missing(self, reviews: Sequence[Review]) -> None:
        """Insert, in one batch, the reviews whose ids are not stored yet (for seeding)."""
        values = [review.model_dump(exclude={"author_name"}) for review in reviews]
        await self._insert_ignoring_existing(values, unique=["id"])

    async def ratings(self, product_ids: Sequence[UUID]) -> dict[UUID, Rating]:
        """The rating each product's stored reviews add up to (unrated ones left out)."""
        statement = (
            select(
                ReviewsTable.product_id,
                func.count().label("reviews"),
                func.sum(ReviewsTable.rating).label("total"),
            )
            .where(ReviewsTable.product_id.in_(product_ids))
            .group_by(ReviewsTable.product_id)
        )
        rows = (await self._execute(statement)).all()
        return {row.product_id: Rating(count=row.reviews, total=int(row.total)) for row in rows}

    async def get(self, review_id: UUID) -> Review | None:
        rows = (await self._execute(_REVIEW_BY_ID, {"review_id": review_id})).all()
        return _to_reviews(rows)[0] if rows else None

    async def save(self, review: Review) -> Review:
        """Store an edited review's rating, text and time."""
        values = review.model_dump(include={"rating", "title", "body", "updated_at"})
        await self._execute(update(ReviewsTable).where(ReviewsTable.id == review.id).values(values))
        return review

    async def remove(self, review_id: UUID) -> None:
        await self._execute(delete(ReviewsTable).where(ReviewsTable.id == review_id))

    @staticmethod
    def sort_key_types(sort: ReviewSort) -> tuple[type, ...]:
        """The types of a sort's key (what its cursors carry), read off its columns."""
        return tuple(column.type.python_type for column in _SORT_KEYS[sort])

    async def list_page(
        self, product_id: UUID, *, sort: ReviewSort, after: tuple[Any, ...] | None, count: int
    ) -> Fetched[Review]:
        """Up to `count` of a product's reviews after the key `after`, in one statement."""
        parameters: dict[str, Any] = {"product_id": product_id, "limit": count}
        for i, value in enumerate(after or ()):
            parameters[f"after_{i}"] = value
        rows = (await self._execute(_LISTINGS[sort, after is not None], parameters)).all()
        positions = _KEY_POSITIONS[sort]
        return Fetched(rows, lambda r: tuple(r[i] for i in positions), _listed_reviews)
