"""The sellers' ledger (append-only entries), their balances, and the pending funds the
release job works through.

Orders paid before this revision have no entries: the ledger starts with the next payment.

Revision ID: 8e2b4f6a1c39
Revises: 3c71d5a8e2f4
Create Date: 2026-12-04 18:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e2b4f6a1c39"
down_revision: str | None = "3c71d5a8e2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNS = (
    "(kind = 'sale' AND amount >= 0) OR (kind = 'release' AND amount >= 0) OR "
    "(kind = 'refund' AND amount <= 0) OR (kind = 'payout' AND amount < 0) OR "
    "(kind = 'payoutReturned' AND amount > 0)"
)


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("payout_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bucket", sa.String(length=9), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_SIGNS, name=op.f("ck_ledger_entries_amount_signed_by_kind")),
        sa.CheckConstraint(
            "bucket IN ('pending', 'available')", name=op.f("ck_ledger_entries_bucket_known")
        ),
        sa.CheckConstraint(
            "kind IN ('sale', 'release', 'refund', 'payout', 'payoutReturned')",
            name=op.f("ck_ledger_entries_kind_known"),
        ),
        sa.CheckConstraint(
            "order_id IS NOT NULL OR kind NOT IN ('sale', 'release', 'refund')",
            name=op.f("ck_ledger_entries_order_named"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_ledger_entries_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_ledger_entries_seller_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        "ix_ledger_entries_seller_created", "ledger_entries", ["seller_id", "created_at", "id"]
    )
    for kind in ("sale", "release"):
        op.create_index(
            f"ix_ledger_entries_one_{kind}",
            "ledger_entries",
            ["order_id", "seller_id"],
            unique=True,
            sqlite_where=sa.text(f"kind = '{kind}'"),
            postgresql_where=sa.text(f"kind = '{kind}'"),
        )
    op.create_table(
        "seller_balances",
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("pending", sa.BigInteger(), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("paid_out", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_seller_balances_seller_id_users")
        ),
        sa.PrimaryKeyConstraint("seller_id", "currency", name=op.f("pk_seller_balances")),
    )
    op.create_table(
        "pending_funds",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_pending_funds_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_pending_funds_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_pending_funds_seller_id_users")
        ),
        sa.PrimaryKeyConstraint("order_id", "seller_id", name=op.f("pk_pending_funds")),
    )
    op.create_index(
        "ix_pending_funds_delivered",
        "pending_funds",
        ["delivered_at"],
        sqlite_where=sa.text("delivered_at IS NOT NULL"),
        postgresql_where=sa.text("delivered_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_pending_funds_delivered", table_name="pending_funds")
    op.drop_table("pending_funds")
    op.drop_table("seller_balances")
    for kind in ("release", "sale"):
        op.drop_index(f"ix_ledger_entries_one_{kind}", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_seller_created", table_name="ledger_entries")
    op.drop_table("ledger_entries")
