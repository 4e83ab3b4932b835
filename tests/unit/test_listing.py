"""The one listing mechanism, over fake repositories: every page walk sees every item once."""

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.application.listing import Listing, page_of
from src.domain.pagination import Fetched, Page, fetched_items
from src.infrastructure.errors import ValidationFailed
from src.infrastructure.pagination import CursorCodec

cursors = CursorCodec("unit-test-secret")
NEWEST = Listing("things", (datetime, UUID))
CHEAPEST = Listing("things:cheapest", (int, UUID))
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Thing:
    id: UUID
    created_at: datetime
    price: int


class FakeThings:
    """A repository over a list: keyset reads newest first, or cheapest first."""

    def __init__(self) -> None:
        self.things: list[Thing] = []
        self.mapped: list[int] = []  # how many rows each page asked to map

    def add(self, thing: Thing) -> None:
        self.things.append(thing)

    async def newest(self, after: tuple[Any, ...] | None, count: int) -> Fetched[Thing]:
        ordered = sorted(self.things, key=lambda t: (t.created_at, t.id), reverse=True)
        rows = [t for t in ordered if after is None or (t.created_at, t.id) < after]
        return fetched_items(rows[:count], lambda t: (t.created_at, t.id))

    async def cheapest(self, after: tuple[Any, ...] | None, count: int) -> Fetched[Thing]:
        ordered = sorted(self.things, key=lambda t: (t.price, t.id))
        keys = [(t.price, t.id) for t in ordered]
        start = 0 if after is None else bisect.bisect_right(keys, after)
        # Rows as a database hands them, mapped to entities only when the listing asks.
        rows = [(t.price, t.id, t) for t in ordered[start : start + count]]
        return Fetched(rows, lambda row: (row[0], row[1]), self._things)

    async def _things(self, rows: Sequence[Any]) -> list[Thing]:
        self.mapped.append(len(rows))
        return [row[2] for row in rows]


def _thing(number: int, price: int) -> Thing:
    return Thing(id=UUID(int=number), created_at=EPOCH + timedelta(seconds=number), price=price)


prices = st.lists(st.integers(min_value=0, max_value=5), max_size=30)
limits = st.integers(min_value=1, max_value=7)


async def _walk(
    listing: Listing, things: FakeThings, limit: int, fetch: Any, *, between: Any = None
) -> list[Page[Thing]]:
    pages = [await page_of(cursors, listing, cursor=None, limit=limit, fetch=fetch)]
    while pages[-1].next_cursor is not None:
        if between is not None:
            between(len(pages))
        cursor = pages[-1].next_cursor
        pages.append(await page_of(cursors, listing, cursor=cursor, limit=limit, fetch=fetch))
    return pages


@given(prices=prices, limit=limits)
async def test_walking_every_page_returns_every_item_exactly_once(
    prices: list[int], limit: int
) -> None:
    things = FakeThings()
    for number, price in enumerate(prices):
        things.add(_thing(number, price))
    for listing, fetch in ((NEWEST, things.newest), (CHEAPEST, things.cheapest)):
        pages = await _walk(listing, things, limit, fetch)
        seen = [thing.id for page in pages for thing in page.items]
        assert sorted(seen) == sorted(thing.id for thing in things.things)
        assert all(len(page.items) == limit for page in pages[:-1])
        assert len(pages[-1].items) <= limit


@given(prices=prices, added=st.lists(st.integers(min_value=0, max_value=5)), limit=limits)
async def test_items_created_during_a_walk_never_repeat_or_hide_another(
    prices: list[int], added: list[int], limit: int
) -> None:
    things = FakeThings()
    for number, price in enumerate(prices):
        things.add(_thing(number, price))
    before = {thing.id for thing in things.things}
    later = iter(enumerate(added, start=len(prices)))

    def create_one(_: int) -> None:
        number, price = next(later, (None, 0))
        if number is not None:
            things.add(_thing(number, price))

    for listing, fetch in ((NEWEST, things.newest), (CHEAPEST, things.cheapest)):
        pages = await _walk(listing, things, limit, fetch, between=create_one)
        seen = [thing.id for page in pages for thing in page.items]
        assert len(seen) == len(set(seen))
        assert before <= set(seen)
        before = {thing.id for thing in things.things}


async def test_only_the_rows_a_page_keeps_are_mapped() -> None:
    things = FakeThings()
    for number in range(5):
        things.add(_thing(number, number))
    page = await page_of(cursors, CHEAPEST, cursor=None, limit=2, fetch=things.cheapest)
    assert [thing.price for thing in page.items] == [0, 1]
    assert things.mapped == [2]


async def test_the_last_page_has_no_cursor() -> None:
    things = FakeThings()
    for number in range(4):
        things.add(_thing(number, number))
    page = await page_of(cursors, NEWEST, cursor=None, limit=4, fetch=things.newest)
    assert len(page.items) == 4
    assert page.next_cursor is None


async def _second_page_cursor(listing: Listing, things: FakeThings, fetch: Any) -> str:
    for number in range(3):
        things.add(_thing(number, number))
    page = await page_of(cursors, listing, cursor=None, limit=1, fetch=fetch)
    assert page.next_cursor is not None
    return page.next_cursor


@pytest.mark.parametrize(
    "other", [Listing("others", (datetime, UUID)), NEWEST.variant("dead"), CHEAPEST]
)
async def test_a_cursor_of_one_listing_is_refused_by_another(other: Listing) -> None:
    things = FakeThings()
    cursor = await _second_page_cursor(NEWEST, things, things.newest)
    with pytest.raises(ValidationFailed):
        await page_of(cursors, other, cursor=cursor, limit=1, fetch=things.newest)


@given(data=st.data())
async def test_an_altered_cursor_is_a_validation_error(data: st.DataObject) -> None:
    things = FakeThings()
    cursor = await _second_page_cursor(NEWEST, things, things.newest)
    position = data.draw(st.integers(min_value=0, max_value=len(cursor) - 1))
    replacement = data.draw(st.sampled_from("AbZ09-_").filter(lambda c: c != cursor[position]))
    altered = cursor[:position] + replacement + cursor[position + 1 :]
    with pytest.raises(ValidationFailed):
        await page_of(cursors, NEWEST, cursor=altered, limit=1, fetch=things.newest)
