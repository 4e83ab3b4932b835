"""Reviews of products, and each product's rating kept beside it.

A product's rating (count, sum and sort rank) lives on its row and is changed in the same
transaction as the review that changes it, by one statement that reads and writes the row:
listing products by rating then needs no join and no aggregate, and pages through one index.

Revision ID: 5e1f0c7a9b21
Revises: d913a7209acf
Create Date: 2026-12-03 16:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1f0c7a9b21"
down_revision: str | None = "d913a7209acf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rating_count", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("rating_total", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("rating_rank", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint(
            "rating_sane", "rating_count >= 0 AND rating_total >= rating_count"
        )
        batch_op.create_index(
            "ix_products_active_rating",
            ["rating_rank", "id"],
            unique=False,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reviews_rating_in_range")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_reviews_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_reviews_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("product_id", "author_id", name=op.f("uq_reviews_product_id")),
    )
    op.create_index(
        "ix_reviews_product_created", "reviews", ["product_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_reviews_product_rating",
        "reviews",
        ["product_id", "rating", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_product_rating", table_name="reviews")
    op.drop_index("ix_reviews_product_created", table_name="reviews")
    op.drop_table("reviews")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_products_active_rating", sqlite_where=ACTIVE, postgresql_where=ACTIVE
        )
        batch_op.drop_constraint("rating_sane", type_="check")
        batch_op.drop_column("rating_rank")
        batch_op.drop_column("rating_total")
        batch_op.drop_column("rating_count")
