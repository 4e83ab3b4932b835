"""Product images: a row per stored picture, and their public fields on the product's row.

Existing products have no images. Downgrading drops both (the stored files stay where they
are: the storage is not the database's to empty).

Revision ID: b41d7e9c2f60
Revises: d9f6a4b13e5c
Create Date: 2026-12-04 01:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b41d7e9c2f60"
down_revision: str | None = "d9f6a4b13e5c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place, never by copying the table (SQLite's batch mode): the copy would lose
    # the triggers that keep the search index in step.
    op.add_column(
        "products",
        sa.Column(
            "images",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
    )
    op.create_table(
        "product_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_images_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_product_images_storage_key")),
    )
    op.create_index(
        "ix_product_images_product_position",
        "product_images",
        ["product_id", "position"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_product_images_product_position", table_name="product_images")
    op.drop_table("product_images")
    op.execute("ALTER TABLE products DROP COLUMN images")  # in place too
