"""Commission rates, and the rate each order item was charged at when it was placed.

Items ordered before rates existed were charged nothing: they keep a rate of 0.

Revision ID: 3c71d5a8e2f4
Revises: 59c6c55d485c
Create Date: 2026-12-04 18:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c71d5a8e2f4"
down_revision: str | None = "59c6c55d485c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commission_rates",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rate_bps BETWEEN 0 AND 10000", name=op.f("ck_commission_rates_rate_in_range")
        ),
        sa.CheckConstraint(
            "scope IN ('default', 'category', 'seller')",
            name=op.f("ck_commission_rates_scope_known"),
        ),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_commission_rates")),
    )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("commission_rate_bps", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            "commission_rate_known", "commission_rate_bps BETWEEN 0 AND 10000"
        )


def downgrade() -> None:
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_constraint("commission_rate_known", type_="check")
        batch_op.drop_column("commission_rate_bps")
    op.drop_table("commission_rates")
