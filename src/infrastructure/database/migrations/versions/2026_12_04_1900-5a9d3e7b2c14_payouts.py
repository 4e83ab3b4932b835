"""Payouts: sellers' requests to be paid what is available, settled by the provider's
transfer.

Revision ID: 5a9d3e7b2c14
Revises: 8e2b4f6a1c39
Create Date: 2026-12-04 19:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a9d3e7b2c14"
down_revision: str | None = "8e2b4f6a1c39"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("transfer_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 1", name=op.f("ck_payouts_amount_positive")),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed')", name=op.f("ck_payouts_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_payouts_seller_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    op.create_index("ix_payouts_created", "payouts", ["created_at", "id"])
    op.create_index("ix_payouts_seller_created", "payouts", ["seller_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_payouts_seller_created", table_name="payouts")
    op.drop_index("ix_payouts_created", table_name="payouts")
    op.drop_table("payouts")
