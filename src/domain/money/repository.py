"""Commission rates in the database."""

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Result, bindparam, delete, select, tuple_

from src.domain.money.commission import CommissionRates
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import CommissionRatesTable

_R = CommissionRatesTable
_DEFAULT, _CATEGORY, _SELLER = "default", "category", "seller"
_ALL = select(_R.scope, _R.subject, _R.rate_bps)
_SOME = _ALL.where(tuple_(_R.scope, _R.subject).in_(bindparam("keys", expanding=True)))
_REMOVE = delete(_R).where(_R.scope == bindparam("scope"), _R.subject == bindparam("subject"))


class CommissionRateRepository(BaseRepository[CommissionRatesTable]):
    table = CommissionRatesTable

    async def all(self, default_bps: int) -> CommissionRates:
        """Every rate set; `default_bps` is the default when none is stored."""
        return self._rates(await self._execute(_ALL), default_bps)

    async def for_order(
        self, *, sellers: Collection[UUID], categories: Collection[str], default_bps: int
    ) -> CommissionRates:
        """The rates an order of these sellers' products in these categories needs (one
        statement, by primary key)."""
        keys = [(_DEFAULT, "")]
        keys += [(_CATEGORY, name) for name in sorted(categories)]
        keys += [(_SELLER, str(seller)) for seller in sorted(sellers)]
        return self._rates(await self._execute(_SOME, {"keys": keys}), default_bps)

    async def set_default(self, rate_bps: int, now: datetime) -> None:
        await self._put(_DEFAULT, "", rate_bps, now)

    async def set_category(self, category: str, rate_bps: int, now: datetime) -> None:
        await self._put(_CATEGORY, category, rate_bps, now)

    async def set_seller(self, seller_id: UUID, rate_bps: int, now: datetime) -> None:
        await self._put(_SELLER, str(seller_id), rate_bps, now)

    async def remove_category(self, category: str) -> bool:
        """Forget a category's rate; whether it had one."""
        return bool(await self._execute_count(_REMOVE, {"scope": _CATEGORY, "subject": category}))

    async def remove_seller(self, seller_id: UUID) -> bool:
        """Forget a seller's rate; whether it had one."""
        parameters = {"scope": _SELLER, "subject": str(seller_id)}
        return bool(await self._execute_count(_REMOVE, parameters))

    async def _put(self, scope: str, subject: str, rate_bps: int, now: datetime) -> None:
        """Insert or replace one rate in one statement (concurrent puts: the last wins)."""
        await self._upsert(
            {"scope": scope, "subject": subject, "rate_bps": rate_bps, "updated_at": now},
            unique=("scope", "subject"),
            replace=("rate_bps", "updated_at"),
        )

    @staticmethod
    def _rates(rows: Result[Any], default_bps: int) -> CommissionRates:
        default, categories, sellers = default_bps, {}, {}
        for row in rows:
            scope, subject, rate = row.scope, row.subject, row.rate_bps
            if scope == _DEFAULT:
                default = rate
            elif scope == _CATEGORY:
                categories[subject] = rate
            else:
                sellers[UUID(subject)] = rate
        return CommissionRates(default, categories, sellers)
