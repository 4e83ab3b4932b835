"""Refunds of part or all of an order, and the amount each order has had refunded.

Orders cancelled after payment before this revision keep their refund in `payments` only:
their `refunded` stays 0 and they have no refund rows.

Revision ID: 5f3a9c2e7d18
Revises: 5a9d3e7b2c14
Create Date: 2026-12-04 19:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f3a9c2e7d18"
down_revision: str | None = "5a9d3e7b2c14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place (no batch copy of the orders table): a plain ADD COLUMN on both databases.
    op.add_column(
        "orders", sa.Column("refunded", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("charge_id", sa.String(length=255), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_refunds_amount_not_negative")),
        sa.CheckConstraint(
            "status IN ('pending', 'refunded')", name=op.f("ck_refunds_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_refunds_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    op.create_index("ix_refunds_order_created", "refunds", ["order_id", "created_at", "id"])
    op.create_table(
        "refund_items",
        sa.Column("refund_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "amount >= 0 AND commission >= 0", name=op.f("ck_refund_items_amounts_not_negative")
        ),
        sa.CheckConstraint(
            "quantity BETWEEN 1 AND 1000", name=op.f("ck_refund_items_quantity_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refunds.id"],
            name=op.f("fk_refund_items_refund_id_refunds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("refund_id", "position", name=op.f("pk_refund_items")),
    )
    op.create_index(
        op.f("ix_refund_items_product_id"), "refund_items", ["product_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_refund_items_product_id"), table_name="refund_items")
    op.drop_table("refund_items")
    op.drop_index("ix_refunds_order_created", table_name="refunds")
    op.drop_table("refunds")
    op.execute("ALTER TABLE orders DROP COLUMN refunded")  # in place too
