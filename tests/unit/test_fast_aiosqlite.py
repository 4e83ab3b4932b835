"""The fast aiosqlite adapter still fits the SQLAlchemy and aiosqlite installed.

`src/infrastructure/database/fast_aiosqlite.py` overrides private members of SQLAlchemy's
aiosqlite cursor and connection and calls private members of aiosqlite's connection. If an
upgrade moves or reshapes any of them, this fails and names the installed versions, so the
upgrade is not taken silently: fix the adapter and move the bounds in pyproject.toml, or run
with `DATABASE__SQLITE_FAST_ADAPTER=false` (SQLAlchemy's stock adapter) meanwhile.
"""

import importlib
import inspect
import tomllib
from importlib.metadata import version
from types import ModuleType
from typing import Any

import aiosqlite
import pytest
from sqlalchemy.connectors import asyncio as connectors
from sqlalchemy.dialects.sqlite import aiosqlite as dialect

from src.config.settings import PROJECT_ROOT

INSTALLED = f"SQLAlchemy {version('sqlalchemy')} and aiosqlite {version('aiosqlite')}"
BOUNDS = ("sqlalchemy[asyncio]>=2.1,<2.2", "aiosqlite>=0.22,<0.23")

# Members of OneTripCursor that belong to no base class (a helper and a slot), so must not
# appear in one: a base member of the same name would be silently replaced.
CURSOR_OWN_MEMBERS = {"_run", "_outcome"}
_CLASS_BOOKKEEPING = {
    "__module__",
    "__qualname__",
    "__doc__",
    "__slots__",
    "__firstlineno__",
    "__static_attributes__",
}


def _fast_aiosqlite() -> ModuleType:
    try:
        return importlib.import_module("src.infrastructure.database.fast_aiosqlite")
    except ImportError as error:  # a private name it imports is gone
        pytest.fail(f"fast_aiosqlite cannot be imported with {INSTALLED}: {error}")


def _sqlalchemy_class(module: ModuleType, name: str) -> type:
    found = getattr(module, name, None)
    if not isinstance(found, type):
        pytest.fail(f"{module.__name__}.{name} is gone in {INSTALLED}")
    return found


def _fail_on(misfits: list[str]) -> None:
    assert not misfits, (
        f"fast_aiosqlite does not fit {INSTALLED} (tested on {', '.join(BOUNDS)}): "
        f"{'; '.join(misfits)}. Fix it, or set DATABASE__SQLITE_FAST_ADAPTER=false."
    )


def _parameters(function: Any) -> list[tuple[str, Any, bool]]:
    """Names, kinds and whether each has a default: what a caller's arguments bind to."""
    return [
        (p.name, p.kind, p.default is not inspect.Parameter.empty)
        for p in inspect.signature(function).parameters.values()
    ]


def _slots(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.update((slots,) if isinstance(slots, str) else slots)
    return names


def _override_misfits(ours: type, base: type, own: set[str]) -> list[str]:
    """What in `ours` no longer overrides a member of `base` of the same shape, or, for the
    `own` names, now hides one."""
    misfits = []
    for name, member in vars(ours).items():
        if name in _CLASS_BOOKKEEPING:
            continue
        theirs = inspect.getattr_static(base, name, None)
        if name in own:
            if theirs is not None:
                misfits.append(f"{base.__name__}.{name} now exists and {ours.__name__} hides it")
        elif theirs is None:
            misfits.append(f"{base.__name__}.{name} is gone")
        elif problem := _shape_misfit(member, theirs):
            misfits.append(f"{base.__name__}.{name} {problem}")
    return misfits


def _shape_misfit(ours: Any, theirs: Any) -> str | None:
    """How the base's member `theirs` no longer has the shape of our override `ours`."""
    if isinstance(ours, property):
        return None if isinstance(theirs, property) else "is no longer a property"
    if inspect.isfunction(ours):
        return _method_misfit(ours, theirs)
    if isinstance(ours, type) and not (isinstance(theirs, type) and issubclass(ours, theirs)):
        return f"is no longer a base of {ours.__name__}"
    return None


def _method_misfit(ours: Any, theirs: Any) -> str | None:
    if not inspect.isfunction(theirs):
        return "is no longer a method"
    if inspect.iscoroutinefunction(ours) != inspect.iscoroutinefunction(theirs):
        return "changed between sync and async"
    if _parameters(ours) != _parameters(theirs):
        return (
            f"is now {inspect.signature(theirs)}, "
            f"which ours {inspect.signature(ours)} no longer matches"
        )
    return None


def _used_member_misfits() -> list[str]:
    """What the adapter uses without overriding it."""
    cursor = _sqlalchemy_class(dialect, "AsyncAdapt_aiosqlite_cursor")
    connection = _sqlalchemy_class(dialect, "AsyncAdapt_aiosqlite_connection")
    dbapi_connection = _sqlalchemy_class(connectors, "AsyncAdapt_dbapi_connection")
    misfits = []
    # The cursor's state, which OneTripCursor.__init__ fills instead of the base's __init__.
    missing = {"_adapt_connection", "_connection", "_rows", "_soft_closed_memoized"}
    misfits += [
        f"{cursor.__name__} has no slot {name}" for name in sorted(missing - _slots(cursor))
    ]
    # Rows are served from `_rows` by the base's fetch methods; statements reach
    # `_execute_async` / `_executemany_async` through its `execute` / `executemany`.
    for name, parameters in {
        "fetchone": ["self"],
        "fetchmany": ["self", "size"],
        "fetchall": ["self"],
        "execute": ["self", "operation", "parameters"],
        "executemany": ["self", "operation", "seq_of_parameters"],
    }.items():
        method = inspect.getattr_static(cursor, name, None)
        if not inspect.isfunction(method) or [p[0] for p in _parameters(method)] != parameters:
            misfits.append(f"{cursor.__name__}.{name} is not ({', '.join(parameters)})")
    # The connection: the aiosqlite connection it wraps, and the mutex statements take.
    if "_execute_mutex" not in _slots(connection):
        misfits.append(f"{connection.__name__} has no slot _execute_mutex")
    init = inspect.getattr_static(dbapi_connection, "__init__")
    if [p[0] for p in _parameters(init)] != ["self", "dbapi", "connection"] or (
        "self._connection = connection" not in inspect.getsource(init)
    ):
        misfits.append(f"{dbapi_connection.__name__} no longer keeps `connection` as _connection")
    # aiosqlite: its thread hand-off, the sqlite3 connection, and the transaction flag.
    execute = inspect.getattr_static(aiosqlite.Connection, "_execute", None)
    hand_off = [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("fn", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("args", inspect.Parameter.VAR_POSITIONAL),
        ("kwargs", inspect.Parameter.VAR_KEYWORD),
    ]
    if (
        not inspect.iscoroutinefunction(execute)
        or [p[:2] for p in _parameters(execute)] != hand_off
    ):
        misfits.append("aiosqlite.Connection._execute is not `async (self, fn, *args, **kwargs)`")
    for name in ("_conn", "in_transaction"):
        if not isinstance(inspect.getattr_static(aiosqlite.Connection, name, None), property):
            misfits.append(f"aiosqlite.Connection.{name} is not a property")
    return misfits


def test_every_member_the_fast_adapter_overrides_is_still_there_with_its_signature() -> None:
    module = _fast_aiosqlite()
    cursor = _sqlalchemy_class(dialect, "AsyncAdapt_aiosqlite_cursor")
    connection = _sqlalchemy_class(dialect, "AsyncAdapt_aiosqlite_connection")
    misfits = _override_misfits(module.OneTripCursor, cursor, CURSOR_OWN_MEMBERS)
    misfits += _override_misfits(module.OneTripConnection, connection, set())
    _fail_on(misfits)


def test_every_private_member_the_fast_adapter_uses_is_still_there() -> None:
    _fast_aiosqlite()
    _fail_on(_used_member_misfits())


def test_the_fit_check_reports_a_moved_or_reshaped_member() -> None:
    class Base:
        def close(self, force: bool) -> None: ...

        async def _run(self) -> None: ...

    class Ours(Base):
        def close(self) -> None: ...  # type: ignore[override]  # the mismatch to find

        async def _execute_async(self, operation: Any, parameters: Any) -> None: ...

        async def _run(self) -> None: ...

    misfits = _override_misfits(Ours, Base, {"_run"})
    assert len(misfits) == 3, misfits
    assert misfits[0].startswith("Base.close is now (self, force: bool)")
    assert misfits[0].endswith("which ours (self) -> None no longer matches")
    assert misfits[1] == "Base._execute_async is gone"
    assert misfits[2] == "Base._run now exists and Ours hides it"


def test_the_bounds_in_pyproject_are_those_this_check_was_written_for() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    dependencies = [d.replace(" ", "") for d in pyproject["project"]["dependencies"]]
    for bound in BOUNDS:
        assert bound in dependencies, f"pyproject.toml no longer pins {bound}; re-check the fit"
