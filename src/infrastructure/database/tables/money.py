"""Marketplace money: commission rates."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String
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
