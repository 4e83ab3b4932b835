"""A page of a keyset-paginated collection, and what a repository fetches for one."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """Some items, and the opaque cursor of the next page (None on the last one)."""

    items: list[ItemT]
    next_cursor: str | None


class Fetched(NamedTuple, Generic[ItemT]):
    """The rows a repository fetched for a page (one more than the page holds, if there are
    that many), with how to read them: the sort key of a row, and the entities of some rows.

    The listing keeps the first rows and maps only those, so the extra row that says "there
    is more" costs nothing to map (nor, for an order, a read of its items).
    """

    rows: Sequence[Any]
    key: Callable[[Any], tuple[object, ...]]
    items: Callable[[Sequence[Any]], Awaitable[list[ItemT]]]


async def _as_list(rows: Sequence[Any]) -> list[Any]:
    return list(rows)


def fetched_items(
    items: Sequence[ItemT], key: Callable[[ItemT], tuple[object, ...]]
) -> Fetched[ItemT]:
    """What a repository returns when its rows are entities already."""
    return Fetched(items, key, _as_list)
