"""Product variants: options, one row per combination sold, stock and price per variant.

Every product gets its one variant, whose id is the product's own and whose SKU is the
product's id in hex, with the product's price and stock; every order item names that variant
and its snapshot (SKU, no options). The product keeps its price and stock as the summary of
its variants (lowest price, total stock) and how many there are, so listings still filter and
sort on its row alone. Downgrading drops the variants: each product keeps its summary.

Revision ID: 6a7c1e0d2b53
Revises: 5e1f0c7a9b21
Create Date: 2026-12-03 19:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "6a7c1e0d2b53"
down_revision: str | None = "5e1f0c7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A UUID as 32 hex digits: SQLite stores them so; PostgreSQL spells them with dashes.
_VARIANT_PER_PRODUCT = {
    "sqlite": "INSERT INTO product_variants (id, product_id, seller_id, position, sku, options, "
    "price, stock) SELECT id, id, seller_id, 0, id, '{}', price, stock FROM products",
    "postgresql": "INSERT INTO product_variants (id, product_id, seller_id, position, sku, "
    "options, price, stock) SELECT id, id, seller_id, 0, replace(id::text, '-', ''), '{}', "
    "price, stock FROM products",
}
_ITEMS_NAME_THEIR_VARIANT = {
    "sqlite": "UPDATE order_items SET variant_id = product_id, sku = product_id, options = '{}'",
    "postgresql": "UPDATE order_items SET variant_id = product_id, "
    "sku = replace(product_id::text, '-', ''), options = '{}'",
}


def _dialect() -> str:
    return op.get_bind().dialect.name


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "options",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                server_default=sa.text("'[]'"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("variant_count", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    op.create_table(
        "product_variants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.CheckConstraint("price >= 1", name=op.f("ck_product_variants_price_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_product_variants_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_variants_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_product_variants_seller_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_variants")),
        sa.UniqueConstraint("seller_id", "sku", name=op.f("uq_product_variants_seller_id")),
    )
    op.create_index(
        "ix_product_variants_product_position",
        "product_variants",
        ["product_id", "position"],
        unique=False,
    )
    op.execute(_VARIANT_PER_PRODUCT[_dialect()])
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("sku", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=True))
    op.execute(_ITEMS_NAME_THEIR_VARIANT[_dialect()])
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.alter_column("variant_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("sku", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("options", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_column("options")
        batch_op.drop_column("sku")
        batch_op.drop_column("variant_id")
    op.drop_index("ix_product_variants_product_position", table_name="product_variants")
    op.drop_table("product_variants")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("variant_count")
        batch_op.drop_column("options")
