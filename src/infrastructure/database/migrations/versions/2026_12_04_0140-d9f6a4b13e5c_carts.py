"""Carts and their lines; orders name the cart they were checked out from (one at most).

A buyer has one open cart (a partial unique index); guest carts are found by age to purge.

Revision ID: d9f6a4b13e5c
Revises: c8e5f3a02d49
Create Date: 2026-12-04 01:40:03.355798+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9f6a4b13e5c"
down_revision: str | None = "c8e5f3a02d49"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'checkedOut')", name=op.f("ck_carts_status_known")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_carts_buyer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
    )
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_carts_guest_updated",
            ["updated_at"],
            unique=False,
            sqlite_where=sa.text("buyer_id IS NULL"),
            postgresql_where=sa.text("buyer_id IS NULL"),
        )
        batch_op.create_index(
            "ix_carts_open_buyer",
            ["buyer_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open' AND buyer_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND buyer_id IS NOT NULL"),
        )

    op.create_table(
        "cart_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cart_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "quantity BETWEEN 1 AND 1000", name=op.f("ck_cart_items_quantity_in_range")
        ),
        sa.CheckConstraint("unit_price >= 1", name=op.f("ck_cart_items_unit_price_positive")),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["carts.id"], name=op.f("fk_cart_items_cart_id_carts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_cart_items_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_items")),
        sa.UniqueConstraint("cart_id", "variant_id", name=op.f("uq_cart_items_cart_id")),
    )
    with op.batch_alter_table("cart_items", schema=None) as batch_op:
        batch_op.create_index("ix_cart_items_cart_position", ["cart_id", "position"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cart_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_orders_cart_id"), ["cart_id"])


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_orders_cart_id"), type_="unique")
        batch_op.drop_column("cart_id")

    with op.batch_alter_table("cart_items", schema=None) as batch_op:
        batch_op.drop_index("ix_cart_items_cart_position")

    op.drop_table("cart_items")
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_carts_open_buyer",
            sqlite_where=sa.text("status = 'open' AND buyer_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND buyer_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_carts_guest_updated",
            sqlite_where=sa.text("buyer_id IS NULL"),
            postgresql_where=sa.text("buyer_id IS NULL"),
        )

    op.drop_table("carts")
