"""The semantics `@transaction` promises, on a real database."""

import asyncio
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from src.domain.users import UserRepository
from src.infrastructure.database import current_session, in_transaction, transaction
from src.infrastructure.database.tables import UsersTable
from src.infrastructure.database.transaction import current_connection
from src.infrastructure.errors import ProgrammingError, ServiceUnavailable
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database


class Boom(Exception):
    pass


def _user_row(email: str) -> UsersTable:
    now = datetime.now(UTC)
    return UsersTable(
        id=uuid4(),
        email=email,
        email_normalized=email.lower(),
        full_name="Test User",
        role="buyer",
        password_hash="not-a-real-hash",
        created_at=now,
        updated_at=now,
    )


@transaction
async def insert_user(email: str) -> UUID:
    row = _user_row(email)
    current_session().add(row)
    await current_session().flush()
    return row.id


@transaction(readonly=True)
async def count_users(email_prefix: str = "") -> int:
    statement = select(func.count()).select_from(UsersTable)
    statement = statement.where(UsersTable.email_normalized.startswith(email_prefix.lower()))
    return int((await (await current_connection()).execute(statement)).scalar_one())


def _read_connections_in_use(runtime: Runtime) -> int:
    return int(runtime.database.readonly_engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_a_successful_operation_commits_and_returns_its_result(runtime: Runtime) -> None:
    user_id = await insert_user("commit@example.com")
    assert isinstance(user_id, UUID)
    assert await count_users("commit@") == 1


async def test_a_failing_operation_rolls_back_and_reraises_the_original_error(
    runtime: Runtime,
) -> None:
    @transaction
    async def insert_then_fail() -> None:
        await insert_user("rollback@example.com")
        raise Boom

    with pytest.raises(Boom):
        await insert_then_fail()
    assert await count_users("rollback@") == 0


async def test_an_integrity_error_at_commit_rolls_back_and_is_reraised(runtime: Runtime) -> None:
    await insert_user("taken@example.com")

    @transaction
    async def insert_without_flush() -> None:
        current_session().add(_user_row("fresh@example.com"))
        current_session().add(_user_row("TAKEN@example.com"))  # flushed only by the commit

    with pytest.raises(IntegrityError):
        await insert_without_flush()
    assert await count_users("fresh@") == 0
    assert await count_users("taken@") == 1


async def test_a_nested_operation_joins_the_outer_session_and_does_not_commit(
    runtime: Runtime,
) -> None:
    sessions: list[AsyncSession] = []

    @transaction
    async def inner() -> None:
        sessions.append(current_session())
        await insert_user("nested@example.com")

    @transaction
    async def outer() -> None:
        sessions.append(current_session())
        await inner()
        raise Boom  # the inner work must go with the outer transaction

    with pytest.raises(Boom):
        await outer()
    assert sessions[0] is sessions[1]
    assert await count_users("nested@") == 0


async def test_the_context_is_empty_again_after_each_operation(runtime: Runtime) -> None:
    assert not in_transaction()
    await insert_user("ctx@example.com")
    assert not in_transaction()
    with pytest.raises(Boom):
        await transaction(_raise_boom)()
    assert not in_transaction()
    with pytest.raises(ProgrammingError):
        current_session()


async def _raise_boom() -> None:
    raise Boom


async def test_a_repository_outside_a_transaction_raises_a_programming_error(
    runtime: Runtime,
) -> None:
    with pytest.raises(ProgrammingError, match="inside a @transaction"):
        await UserRepository().get(uuid4())


async def test_a_write_inside_a_read_only_transaction_is_refused(runtime: Runtime) -> None:
    @transaction(readonly=True)
    async def read_then_write() -> None:
        await insert_user("nope@example.com")

    with pytest.raises(ProgrammingError, match="read-only"):
        await read_then_write()
    assert await count_users("nope@") == 0


async def test_a_read_only_operation_cannot_write_even_past_the_decorator(
    runtime: Runtime,
) -> None:
    @transaction(readonly=True)
    async def sneak_a_write() -> None:
        row = _user_row("sneaky@example.com")
        values = {column.key: getattr(row, column.key) for column in UsersTable.__table__.c}
        await (await current_connection()).execute(insert(UsersTable).values(values))

    with pytest.raises(DBAPIError, match=r"(?i)read.?only"):
        await sneak_a_write()
    assert await count_users("sneaky@") == 0


async def test_a_read_only_operation_has_no_session(runtime: Runtime) -> None:
    @transaction(readonly=True)
    async def ask_for_a_session() -> None:
        current_session()

    with pytest.raises(ProgrammingError, match="read-only transaction has no session"):
        await ask_for_a_session()
    assert _read_connections_in_use(runtime) == 0


async def test_a_session_is_never_shared_with_another_task(runtime: Runtime) -> None:
    @transaction
    async def spawn_child() -> None:
        await asyncio.create_task(insert_user("child@example.com"))

    with pytest.raises(ProgrammingError, match="another task"):
        await spawn_child()


async def test_concurrent_operations_get_their_own_sessions_and_never_see_uncommitted_rows(
    runtime: Runtime,
) -> None:
    sessions: set[AsyncSession] = set()

    @transaction
    async def insert_look_and_abandon(index: int) -> None:
        sessions.add(current_session())
        await insert_user(f"probe-{index}@example.com")
        await asyncio.sleep(0)
        assert await count_users("probe-") == 1  # only its own row, never another's
        raise Boom  # nothing is ever committed

    results = await asyncio.gather(
        *(insert_look_and_abandon(index) for index in range(200)), return_exceptions=True
    )
    assert all(isinstance(result, Boom) for result in results), results
    assert len(sessions) == 200
    assert await count_users("probe-") == 0


async def test_reads_proceed_while_a_write_transaction_is_open(runtime: Runtime) -> None:
    writing, release = asyncio.Event(), asyncio.Event()

    @transaction
    async def slow_write() -> None:
        await insert_user("slow@example.com")
        writing.set()
        await release.wait()

    writer = asyncio.create_task(slow_write())
    await writing.wait()
    async with asyncio.timeout(5):
        assert await count_users("slow@") == 0  # the read neither waits nor sees it
    release.set()
    await writer
    assert await count_users("slow@") == 1


async def test_a_database_outage_leaves_as_service_unavailable_and_rolls_back(
    runtime: Runtime,
) -> None:
    @transaction
    async def insert_then_lose_the_database() -> None:
        await insert_user("outage@example.com")
        raise ConnectionResetError(104, "Connection reset by peer")

    with pytest.raises(ServiceUnavailable) as raised:
        await insert_then_lose_the_database()
    assert raised.value.code == "databaseUnavailable"
    assert isinstance(raised.value.__cause__, ConnectionResetError)
    assert await count_users("outage@") == 0
    assert not in_transaction()


async def test_a_session_that_fails_to_close_neither_hides_the_result_nor_keeps_its_connection(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the database restarts under a request: resetting the broken connection fails."""
    await insert_user("closing@example.com")

    async def broken_close(_session: AsyncSession) -> None:
        raise DBAPIError("ROLLBACK", {}, Exception("another operation is in progress"))

    monkeypatch.setattr(AsyncSession, "close", broken_close)
    assert await count_users("closing@") == 1
    assert await insert_user("closing2@example.com")
    monkeypatch.undo()
    for engine in (runtime.database.engine, runtime.database.readonly_engine):
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert await count_users("closing") == 2


async def test_a_read_only_operation_runs_every_statement_on_one_connection(
    runtime: Runtime,
) -> None:
    user_id = await insert_user("one-connection@example.com")

    @transaction(readonly=True)
    async def read_twice() -> tuple[int, str | None]:
        connection = await current_connection()
        count = (await connection.execute(select(func.count()).select_from(UsersTable))).scalar()
        again = await current_connection()
        assert again is connection
        assert _read_connections_in_use(runtime) == 1
        email = select(UsersTable.email).where(UsersTable.id == user_id)
        return int(count or 0), (await again.execute(email)).scalar_one_or_none()

    count, email = await read_twice()
    assert count >= 1
    assert email == "one-connection@example.com"
    assert _read_connections_in_use(runtime) == 0


async def test_a_read_only_operation_takes_a_connection_only_when_it_runs_a_statement(
    runtime: Runtime,
) -> None:
    @transaction(readonly=True)
    async def read_nothing() -> int:
        return _read_connections_in_use(runtime)

    @transaction(readonly=True)
    async def read_once() -> int:
        await current_connection()
        return _read_connections_in_use(runtime)

    assert await read_nothing() == 0
    assert await read_once() == 1
    assert _read_connections_in_use(runtime) == 0


async def test_a_read_only_connection_that_fails_to_close_is_discarded_not_leaked(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await insert_user("closing-read@example.com")

    async def broken_close(_connection: AsyncConnection) -> None:
        raise DBAPIError("ROLLBACK", {}, Exception("another operation is in progress"))

    monkeypatch.setattr(AsyncConnection, "close", broken_close)
    assert await count_users("closing-read@") == 1
    monkeypatch.undo()
    assert _read_connections_in_use(runtime) == 0
    assert await count_users("closing-read@") == 1
