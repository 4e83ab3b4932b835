"""A page of a keyset-paginated collection."""

from dataclasses import dataclass
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """Some items, and the opaque cursor of the next page (None on the last one)."""

    items: list[ItemT]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Slice(Generic[ItemT]):
    """What a repository returns for one page: the items and the sort key after the last one."""

    items: list[ItemT]
    next_key: tuple[object, ...] | None
