"""`BaseRepository[Table]`: what every domain repository builds on.

A repository works inside the running `@transaction` (it never opens, commits or closes
one) through SQLAlchemy Core statements, each run at once, so that a database error surfaces
at the statement that caused it; integrity errors become the domain's `Conflict` exactly once.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, Result, Select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from src.infrastructure.database.base import Base
from src.infrastructure.database.transaction import current_connection, current_dialect
from src.infrastructure.errors import Conflict

TableT = TypeVar("TableT", bound=Base)
RowT = TypeVar("RowT")

# SQLite names the column, not the constraint: rebuild the name the naming convention gave it.
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")


def upserts(
    table: type[Base],
    values: Mapping[str, ColumnElement[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str],
) -> Mapping[str, Executable]:
    """`INSERT … ON CONFLICT (unique) DO UPDATE SET update = the values given` into `table`,
    by dialect name, built once (at import) since building one costs more than running it.
    `values` are bind parameters or SQL expressions (a scalar subquery is evaluated only
    when the row is inserted)."""
    built: dict[str, Executable] = {}
    for name, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert)):
        statement = dialect_insert(table).values(values)
        built[name] = statement.on_conflict_do_update(
            index_elements=unique, set_={column: statement.excluded[column] for column in update}
        )
    return built


class BaseRepository(Generic[TableT]):
    """Typed access to one table; subclasses add finders that return domain entities."""

    table: ClassVar[type[Base]]
    # Unique-constraint name -> the error raised when an insert or update violates it.
    conflicts: ClassVar[Mapping[str, Callable[[], Conflict]]] = {}

    async def _execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> Result[Any]:
        """Run a Core statement in the current transaction."""
        connection = await current_connection()
        try:
            return await connection.execute(statement, parameters)
        except IntegrityError as error:
            raise self._conflict_for(error) from error

    async def _execute_count(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> int:
        """Run an INSERT, UPDATE or DELETE in the current transaction; the rows it touched."""
        result = cast("CursorResult[Any]", await self._execute(statement, parameters))
        return result.rowcount

    async def _insert_ignoring_existing(
        self,
        values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        unique: Sequence[str],
        table: type[Base] | None = None,
        where: ColumnElement[bool] | None = None,
    ) -> bool:
        """Insert rows into `table` (this repository's own by default), skipping each whose
        `unique` columns match a stored row, whoever stored it, a concurrent transaction
        included. One `INSERT … ON CONFLICT (unique) DO NOTHING` on both databases (`where`:
        the predicate of a partial unique index); for one row, whether it was inserted."""
        if not isinstance(values, Mapping) and not values:
            return False
        dialect_insert = postgresql_insert if self.dialect == "postgresql" else sqlite_insert
        statement = dialect_insert(table or self.table).on_conflict_do_nothing(
            index_elements=unique, index_where=where
        )
        return bool(await self._execute_count(statement, values))

    async def _upsert(
        self,
        values: Mapping[str, Any],
        *,
        unique: Sequence[str],
        replace: Sequence[str] = (),
        add: Sequence[str] = (),
    ) -> None:
        """Insert a row into this repository's table or, when its `unique` columns match a
        stored row, update that row in the same statement: `replace` columns take the new
        values, `add` columns grow by them (`SET n = n + excluded.n`). One `INSERT … ON
        CONFLICT … DO UPDATE` on both databases, so concurrent writers queue on the row and
        no increment is lost."""
        dialect_insert = postgresql_insert if self.dialect == "postgresql" else sqlite_insert
        statement = dialect_insert(self.table)
        table = self.table.__table__
        changes = {name: statement.excluded[name] for name in replace} | {
            name: table.c[name] + statement.excluded[name] for name in add
        }
        await self._execute(
            statement.on_conflict_do_update(index_elements=unique, set_=changes), values
        )

    @property
    def dialect(self) -> str:
        """The name of the database's dialect: `sqlite` or `postgresql`."""
        return current_dialect()

    async def _one_or_none(self, statement: Select[RowT]) -> RowT | None:
        return (await self._execute(statement)).scalar_one_or_none()

    def _conflict_for(self, error: IntegrityError) -> Exception:
        message = str(error.orig)
        if match := _SQLITE_UNIQUE.search(message):
            message = f"uq_{match[1]}_{match[2]}"
        for constraint, conflict in self.conflicts.items():
            if constraint in message:
                return conflict()
        return error
