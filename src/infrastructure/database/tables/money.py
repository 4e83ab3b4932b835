"""Marketplace money: commission rates, the sellers' ledger and their balances."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

RATE_SCOPES = ("default", "category", "seller")


class CommissionRatesTable(Base):
    """The rates admins set: the default (subject ''), a category's (subject: its name) and a
    seller's (subject: its id). An order reads all it needs in one statement by primary key."""

    __tablename__ = "commission_rates"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), primary_key=True)
    rate_bps: Mapped[int]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            f"scope IN ({', '.join(repr(scope) for scope in RATE_SCOPES)})", name="scope_known"
        ),
        CheckConstraint("rate_bps BETWEEN 0 AND 10000", name="rate_in_range"),
    )


LEDGER_KINDS = ("sale", "release", "refund", "payout", "payoutReturned")
BUCKETS = ("pending", "available")
# The sign of each kind's amount (API.md): a release carries what it moves, 0 included.
_SIGNS = (
    "(kind = 'sale' AND amount >= 0) OR (kind = 'release' AND amount >= 0) OR "
    "(kind = 'refund' AND amount <= 0) OR (kind = 'payout' AND amount < 0) OR "
    "(kind = 'payoutReturned' AND amount > 0)"
)


class LedgerEntriesTable(Base):
    """What the platform owes each seller, one entry per sale, release, refund, payout and
    returned payout. Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "ledger_entries"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[UUID | None] = mapped_column(ForeignKey("orders.id"))
    payout_id: Mapped[UUID | None]  # the payout a payout or returned payout entry is of
    amount: Mapped[int] = mapped_column(BigInteger)  # signed, minor units
    currency: Mapped[str] = mapped_column(String(3))
    # The balance the amount lands in: a sale's is pending, a refund's pending or available;
    # a release moves its amount from pending to available.
    bucket: Mapped[str] = mapped_column(String(9))
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind in LEDGER_KINDS)})", name="kind_known"
        ),
        CheckConstraint(
            f"bucket IN ({', '.join(repr(bucket) for bucket in BUCKETS)})", name="bucket_known"
        ),
        CheckConstraint(_SIGNS, name="amount_signed_by_kind"),
        CheckConstraint(
            "order_id IS NOT NULL OR kind NOT IN ('sale', 'release', 'refund')",
            name="order_named",
        ),
        # A seller's ledger, newest first.
        Index("ix_ledger_entries_seller_created", "seller_id", "created_at", "id"),
        # An order pays each seller once, and releases it once, whoever retries.
        Index(
            "ix_ledger_entries_one_sale",
            "order_id",
            "seller_id",
            unique=True,
            sqlite_where=text("kind = 'sale'"),
            postgresql_where=text("kind = 'sale'"),
        ),
        Index(
            "ix_ledger_entries_one_release",
            "order_id",
            "seller_id",
            unique=True,
            sqlite_where=text("kind = 'release'"),
            postgresql_where=text("kind = 'release'"),
        ),
    )


class SellerBalancesTable(Base):
    """Each seller's balance in each currency: the sums of its ledger entries, kept in step
    with them by an additive upsert in the transaction that writes each entry."""

    __tablename__ = "seller_balances"

    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    pending: Mapped[int] = mapped_column(BigInteger)
    available: Mapped[int] = mapped_column(BigInteger)  # may go below zero after a refund
    paid_out: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class PendingFundsTable(Base):
    """A seller's payout for a paid order while it is pending: the release job's work list.
    Delivered (`delivered_at` set), it is released once the hold is over, and then deleted;
    a refund of the order while pending takes from it."""

    __tablename__ = "pending_funds"

    order_id: Mapped[UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # what is still pending
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index(
            "ix_pending_funds_delivered",
            "delivered_at",
            sqlite_where=text("delivered_at IS NOT NULL"),
            postgresql_where=text("delivered_at IS NOT NULL"),
        ),
    )


PAYOUT_STATUSES = ("pending", "paid", "failed")


class PayoutsTable(Base):
    """A seller's request to be paid what is available; its transfer leaves after commit."""

    __tablename__ = "payouts"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8))
    transfer_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(status) for status in PAYOUT_STATUSES)})",
            name="status_known",
        ),
        CheckConstraint("amount >= 1", name="amount_positive"),
        Index("ix_payouts_seller_created", "seller_id", "created_at", "id"),
        Index("ix_payouts_created", "created_at", "id"),
    )
