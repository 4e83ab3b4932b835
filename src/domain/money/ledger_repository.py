"""The ledger in the database: entries appended with their balance change, in one
transaction; the pending funds the release job works through."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, literal_column, select, tuple_, update

from src.domain.money.ledger import Balance, Bucket, LedgerEntry, LedgerKind, change_of
from src.domain.pagination import Fetched
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import (
    LedgerEntriesTable,
    PendingFundsTable,
    SellerBalancesTable,
)

_L, _B, _F = LedgerEntriesTable, SellerBalancesTable, PendingFundsTable
_ENTRY_COLUMNS = (
    _L.id, _L.seller_id, _L.kind, _L.order_id, _L.amount, _L.currency, _L.bucket, _L.created_at,
    _L.payout_id,
)  # fmt: skip
# Entries a retry must not write twice: an order's sale to a seller, and its release.
# (The predicates of their partial unique indexes, spelled as the indexes spell them.)
_ONCE = {
    kind: _L.kind == literal_column(f"'{kind.value}'")
    for kind in (LedgerKind.SALE, LedgerKind.RELEASE)
}
_INSERT_ENTRY = insert(_L)
_BALANCES = (
    select(_B.currency, _B.pending, _B.available, _B.paid_out)
    .where(_B.seller_id == bindparam("seller_id"))
    .order_by(_B.currency)
)
_LEDGER = select(*_ENTRY_COLUMNS).where(_L.seller_id == bindparam("seller_id"))
_LEDGER_AFTER = _LEDGER.where(
    tuple_(_L.created_at, _L.id)
    < tuple_(
        bindparam("after_at", type_=_L.created_at.type), bindparam("after_id", type_=_L.id.type)
    )
)
_LEDGER_PAGE, _LEDGER_PAGE_AFTER = (
    statement.order_by(_L.created_at.desc(), _L.id.desc()).limit(bindparam("limit"))
    for statement in (_LEDGER, _LEDGER_AFTER)
)
_SOLD_TO = select(_L.seller_id).where(
    _L.order_id == bindparam("the_order"), _L.kind == LedgerKind.SALE.value
)
_DEBIT = (
    update(_B)
    .where(
        _B.seller_id == bindparam("the_seller"),
        _B.currency == bindparam("the_currency"),
        _B.available + bindparam("available_change") >= 0,
    )
    .values(
        available=_B.available + bindparam("available_change"),
        paid_out=_B.paid_out + bindparam("paid_out_change"),
        updated_at=bindparam("now"),
    )
)
_HOLD = insert(_F)
_DELIVERED = (
    update(_F)
    .where(_F.order_id == bindparam("the_order"), _F.seller_id == bindparam("the_seller"))
    .values(delivered_at=bindparam("now"))
)
_DUE = (
    select(_F.order_id, _F.seller_id)
    .where(_F.delivered_at.is_not(None), _F.delivered_at <= bindparam("before"))
    .order_by(_F.delivered_at)
    .limit(bindparam("limit"))
)
_REDUCE = (
    update(_F)
    .where(_F.order_id == bindparam("the_order"), _F.seller_id == bindparam("the_seller"))
    .values(amount=_F.amount - bindparam("amount"))
    .returning(_F.amount)
)
_EMPTIED = delete(_F).where(
    _F.order_id == bindparam("the_order"), _F.seller_id == bindparam("the_seller"), _F.amount == 0
)
_TAKE = (
    delete(_F)
    .where(_F.order_id == bindparam("the_order"), _F.seller_id == bindparam("the_seller"))
    .returning(_F.amount, _F.currency)
)


def _to_entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        id=row.id, seller_id=row.seller_id, kind=LedgerKind(row.kind), order_id=row.order_id,
        amount=row.amount, currency=row.currency, bucket=Bucket(row.bucket),
        created_at=row.created_at, payout_id=row.payout_id,
    )  # fmt: skip


def _row_of(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "seller_id": entry.seller_id, "kind": entry.kind.value,
        "order_id": entry.order_id, "payout_id": entry.payout_id, "amount": entry.amount,
        "currency": entry.currency, "bucket": entry.bucket.value, "created_at": entry.created_at,
    }  # fmt: skip


class LedgerRepository(BaseRepository[LedgerEntriesTable]):
    table = LedgerEntriesTable

    async def append(self, entry: LedgerEntry) -> bool:
        """Write an entry and change its seller's balance by it, in the current transaction.

        A sale or release already written for the same order and seller (a retry, a second
        job) is not written again and changes nothing; whether this one was written. The
        balance is changed by one additive upsert, so concurrent entries of one seller queue
        on its row and none is lost.
        """
        once = _ONCE.get(entry.kind)
        if once is None:
            await self._execute(_INSERT_ENTRY, _row_of(entry))
        elif not await self._insert_ignoring_existing(
            _row_of(entry), unique=("order_id", "seller_id"), where=once
        ):
            return False
        await SellerBalanceRepository().add(entry)
        return True

    async def append_debit(self, entry: LedgerEntry) -> bool:
        """Write a payout entry if the seller's available balance covers it, taking it from
        available in the same statement that checks it (`… WHERE available >= :amount`), so
        that concurrent payouts can never together take more than there is; whether it was
        covered (if not, nothing is written)."""
        if not await SellerBalanceRepository().debit(entry):
            return False
        await self._execute(_INSERT_ENTRY, _row_of(entry))
        return True

    async def page(
        self, seller_id: UUID, *, after: tuple[datetime, UUID] | None, count: int
    ) -> Fetched[LedgerEntry]:
        """Up to `count` of a seller's entries after the key `after`, newest first."""
        parameters: dict[str, Any] = {"seller_id": seller_id, "limit": count}
        statement = _LEDGER_PAGE
        if after is not None:
            statement = _LEDGER_PAGE_AFTER
            parameters["after_at"], parameters["after_id"] = after
        rows = await self._execute(statement, parameters)
        entries = [_to_entry(row) for row in rows]
        return Fetched(entries, lambda entry: (entry.created_at, entry.id), _as_list)

    async def sold_to(self, order_id: UUID) -> set[UUID]:
        """The sellers an order's payment recorded a sale for (none for an order paid
        before the ledger existed)."""
        rows = await self._execute(_SOLD_TO, {"the_order": order_id})
        return {row.seller_id for row in rows}

    async def of_sellers(self, seller_ids: Sequence[UUID]) -> list[LedgerEntry]:
        """Every entry of these sellers, oldest first (for audits and tests)."""
        statement = (
            select(*_ENTRY_COLUMNS)
            .where(_L.seller_id.in_(seller_ids))
            .order_by(_L.created_at, _L.id)
        )
        return [_to_entry(row) for row in await self._execute(statement)]


async def _as_list(entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
    return list(entries)


class SellerBalanceRepository(BaseRepository[SellerBalancesTable]):
    table = SellerBalancesTable

    async def add(self, entry: LedgerEntry) -> None:
        """Change the entry's seller's balance by it: made at the first entry, else grown
        in place (`SET pending = pending + …`), in one statement."""
        change = change_of(entry)
        await self._upsert(
            {
                "seller_id": entry.seller_id, "currency": entry.currency,
                "pending": change.pending, "available": change.available,
                "paid_out": change.paid_out, "updated_at": entry.created_at,
            },
            unique=("seller_id", "currency"),
            add=("pending", "available", "paid_out"),
            replace=("updated_at",),
        )  # fmt: skip

    async def debit(self, entry: LedgerEntry) -> bool:
        """Change the balance by a payout entry only if available covers it."""
        change = change_of(entry)
        return bool(
            await self._execute_count(
                _DEBIT,
                {"the_seller": entry.seller_id, "the_currency": entry.currency,
                 "available_change": change.available, "paid_out_change": change.paid_out,
                 "now": entry.created_at},
            )
        )  # fmt: skip

    async def of_seller(self, seller_id: UUID) -> list[Balance]:
        rows = await self._execute(_BALANCES, {"seller_id": seller_id})
        return [
            Balance(currency=row.currency, pending=row.pending, available=row.available,
                    paid_out=row.paid_out)
            for row in rows
        ]  # fmt: skip

    async def of_sellers(self, seller_ids: Sequence[UUID]) -> dict[tuple[UUID, str], Balance]:
        """The stored balances of these sellers, by seller and currency."""
        statement = select(_B.seller_id, _B.currency, _B.pending, _B.available, _B.paid_out).where(
            _B.seller_id.in_(seller_ids)
        )
        return {
            (row.seller_id, row.currency): Balance(
                currency=row.currency, pending=row.pending, available=row.available,
                paid_out=row.paid_out,
            )
            for row in await self._execute(statement)
        }  # fmt: skip


class PendingFundsRepository(BaseRepository[PendingFundsTable]):
    table = PendingFundsTable

    async def hold(self, entry: LedgerEntry) -> None:
        """A sale's payout is pending until its shipment is delivered and the hold is over."""
        await self._execute(
            _HOLD,
            {"order_id": entry.order_id, "seller_id": entry.seller_id,
             "currency": entry.currency, "amount": entry.amount, "delivered_at": None},
        )  # fmt: skip

    async def delivered(self, order_id: UUID, seller_id: UUID, now: datetime) -> None:
        """The seller's shipment of the order arrived: its hold starts now."""
        await self._execute(_DELIVERED, {"the_order": order_id, "the_seller": seller_id,
                                         "now": now})  # fmt: skip

    async def due(self, before: datetime, limit: int) -> list[tuple[UUID, UUID]]:
        """(order, seller) of funds delivered before `before`, the longest held first; on
        PostgreSQL rows another job holds are skipped, so several jobs share the work."""
        statement = _DUE
        if self.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = await self._execute(statement, {"before": before, "limit": limit})
        return [(row.order_id, row.seller_id) for row in rows]

    async def reduce(self, order_id: UUID, seller_id: UUID, amount: int) -> bool:
        """Take `amount` off a seller's pending funds for an order (a refund); whether they
        were still pending. Funds refunded to nothing leave the work list."""
        parameters = {"the_order": order_id, "the_seller": seller_id}
        left = (await self._execute(_REDUCE, {**parameters, "amount": amount})).scalar()
        if left == 0:
            await self._execute(_EMPTIED, parameters)
        return left is not None

    async def take(self, order_id: UUID, seller_id: UUID) -> tuple[int, str] | None:
        """Remove the pending funds of a seller for an order: (amount, currency), or None if
        there are none (released or refunded already, by whoever got here first)."""
        row = (
            await self._execute(_TAKE, {"the_order": order_id, "the_seller": seller_id})
        ).one_or_none()
        return None if row is None else (row.amount, row.currency)
