"""Pagination cursors are opaque, round-trip exactly and refuse any alteration."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.infrastructure.errors import ValidationFailed
from src.infrastructure.pagination import MAX_CURSOR_LENGTH, CursorCodec

codec = CursorCodec("unit-test-secret")
KEY_TYPES = (datetime, UUID, int, str)
keys = st.tuples(
    st.datetimes(timezones=st.just(UTC)),
    st.uuids(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.text(max_size=50),
)


@given(keys)
def test_a_cursor_carries_its_key_back_exactly(key: tuple[datetime, UUID, int, str]) -> None:
    cursor = codec.encode_key("listing", key)
    assert codec.decode_key("listing", cursor, KEY_TYPES) == key


@given(keys, st.data())
def test_any_altered_character_is_refused(
    key: tuple[datetime, UUID, int, str], data: st.DataObject
) -> None:
    cursor = codec.encode_key("listing", key)
    position = data.draw(st.integers(min_value=0, max_value=len(cursor) - 1))
    replacement = data.draw(st.sampled_from("AbZ09-_").filter(lambda c: c != cursor[position]))
    altered = cursor[:position] + replacement + cursor[position + 1 :]
    with pytest.raises(ValidationFailed):
        codec.decode_key("listing", altered, KEY_TYPES)


def test_a_cursor_of_another_listing_is_refused() -> None:
    cursor = codec.encode_key("users", (1,))
    with pytest.raises(ValidationFailed):
        codec.decode_key("products", cursor, (int,))


def test_a_cursor_signed_by_another_deployment_is_refused() -> None:
    cursor = CursorCodec("another-secret").encode_key("users", (1,))
    with pytest.raises(ValidationFailed):
        codec.decode_key("users", cursor, (int,))


@pytest.mark.parametrize("garbage", ["", "!!!", "a", "x" * 2000, "eyJ9"])
def test_garbage_cursors_are_validation_errors(garbage: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        codec.decode_key("users", garbage, (int,))
    assert raised.value.errors[0].loc == ("query", "cursor")


@given(
    st.text(min_size=1, max_size=200),
    st.datetimes(timezones=st.just(UTC)),
    st.uuids(),
)
def test_the_server_accepts_every_cursor_it_writes(
    title: str, created_at: datetime, product_id: UUID
) -> None:
    """A title-sorted listing's cursor carries a title of up to 200 characters of any script
    (four UTF-8 bytes each at worst) and must still be short enough to be read back."""
    key = (title.lower(), created_at, product_id)
    cursor = codec.encode_key("products:title", key)
    assert len(cursor) <= MAX_CURSOR_LENGTH
    assert codec.decode_key("products:title", cursor, (str, datetime, UUID)) == key


def test_a_title_of_two_hundred_emoji_fits_in_a_cursor() -> None:
    key = ("\U0001f600" * 200, UUID(int=0))
    cursor = codec.encode_key("products:title", key)
    assert codec.decode_key("products:title", cursor, (str, UUID)) == key
