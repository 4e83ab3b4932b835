"""One way to list: keyset pages behind signed cursors, for every collection.

A listing names itself (its cursors are valid for it alone) and the types of its sort key,
once. Its repository fetches `limit + 1` rows after a key, newest first or in whatever order
the key follows; `Listing.page` decodes the cursor, asks for those rows, keeps `limit` of them
and writes the next cursor from the key of the last one kept.

It lives in the application layer because cursors are an application concern (signed with
the deployment's key, read from the runtime) while the rows are the domain's: repositories
return `Fetched` and never see a cursor.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from src.domain.pagination import Fetched, Page
from src.infrastructure.pagination import CursorCodec
from src.infrastructure.runtime import runtime

ItemT = TypeVar("ItemT")
Key = tuple[Any, ...]
Fetch = Callable[[Key | None, int], Awaitable[Fetched[ItemT]]]


@dataclass(frozen=True, slots=True)
class Listing:
    """A keyset listing: the name its cursors are bound to and the types of its sort key."""

    name: str
    key_types: tuple[type, ...]

    def variant(self, name: str) -> "Listing":
        """The same listing under a narrower name, for a filter whose cursors must not be
        carried over to another (the events of one status, products in one sort)."""
        return Listing(f"{self.name}:{name}", self.key_types)

    async def page(self, *, cursor: str | None, limit: int, fetch: Fetch[ItemT]) -> Page[ItemT]:
        """The page after `cursor` (the first page without one): `fetch(after, limit + 1)`
        returns the rows after the key `after` (None: from the start)."""
        return await page_of(runtime().cursors, self, cursor=cursor, limit=limit, fetch=fetch)


async def page_of(
    cursors: CursorCodec,
    listing: Listing,
    *,
    cursor: str | None,
    limit: int,
    fetch: Fetch[ItemT],
) -> Page[ItemT]:
    """`Listing.page` with the cursor codec given (for tests and scripts)."""
    after = None if cursor is None else cursors.decode_key(listing.name, cursor, listing.key_types)
    fetched = await fetch(after, limit + 1)
    rows: Sequence[Any] = fetched.rows
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursors.encode_key(listing.name, fetched.key(rows[-1]))
    return Page(items=await fetched.items(rows), next_cursor=next_cursor)
