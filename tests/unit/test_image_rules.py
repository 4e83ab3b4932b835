"""The limits an image upload keeps: bytes, pixels, images per product; and its keys."""

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.catalog.images import (
    MAX_IMAGES,
    MAX_PIXELS,
    check_header,
    check_image_count,
    check_size,
    image_key,
)
from src.infrastructure.errors import (
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from src.infrastructure.media.local import KEY

TYPES = ("image/jpeg", "image/png", "image/webp")


@given(size=st.integers(1, 10**8), limit=st.integers(1, 10**8))
def test_a_file_is_taken_exactly_when_it_is_within_the_limit(size: int, limit: int) -> None:
    if size <= limit:
        check_size(size, limit)
    else:
        with pytest.raises(PayloadTooLarge):
            check_size(size, limit)


def test_an_empty_file_is_no_image() -> None:
    with pytest.raises(UnsupportedMediaType):
        check_size(0, 10)


@given(width=st.integers(1, 10**6), height=st.integers(1, 10**6), kind=st.sampled_from(TYPES))
def test_an_image_is_taken_exactly_when_it_has_at_most_the_pixels_allowed(
    width: int, height: int, kind: str
) -> None:
    if width * height <= MAX_PIXELS:
        check_header(kind, width, height)
    else:
        with pytest.raises(ValidationFailed):
            check_header(kind, width, height)


@pytest.mark.parametrize("kind", ["image/gif", "image/svg+xml", "application/pdf", ""])
def test_other_types_are_unsupported(kind: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        check_header(kind, 10, 10)


def test_the_limit_of_pixels_is_inclusive() -> None:
    check_header("image/png", 8000, 5000)
    with pytest.raises(ValidationFailed):
        check_header("image/png", 8000, 5001)


@given(count=st.integers(0, 1000))
def test_a_product_takes_an_image_exactly_while_it_has_fewer_than_ten(count: int) -> None:
    if count < MAX_IMAGES:
        check_image_count(count)
    else:
        with pytest.raises(Conflict) as refused:
            check_image_count(count)
        assert refused.value.code == "tooManyImages"


@given(kind=st.sampled_from(TYPES))
def test_every_key_is_fresh_and_one_the_local_route_serves(kind: str) -> None:
    first, second = image_key(uuid4(), kind), image_key(uuid4(), kind)
    assert first != second
    assert KEY.fullmatch(first)
    assert first.endswith({"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}[kind])


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "..%2f..%2fetc", "a" * 32 + ".jpg/../x", "A" * 32 + ".jpg", "x.jpg",
            "0" * 32 + ".gif", "0" * 32 + ".jpg\x00", "/" + "0" * 32 + ".jpg"],
)  # fmt: skip
def test_no_other_key_names_a_local_file(key: str) -> None:
    assert KEY.fullmatch(key) is None
