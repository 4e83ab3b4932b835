"""Reading one file out of a streamed multipart body: the limit holds as the body streams."""

from collections.abc import AsyncIterator

import pytest

from src.infrastructure.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from src.presentation.rest.uploads import boundary_of, read_file_field

BOUNDARY = b"b0undary"


def form(*parts: tuple[str, bytes]) -> bytes:
    body = b""
    for name, data in parts:
        body += b"--" + BOUNDARY + b"\r\n"
        body += f'Content-Disposition: form-data; name="{name}"; filename="x"\r\n'.encode()
        body += b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    return body + b"--" + BOUNDARY + b"--\r\n"


class Chunks:
    """A body in chunks of `size`, counting how many were read."""

    def __init__(self, body: bytes, size: int) -> None:
        self.body, self.size, self.read = body, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.size):
            self.read += 1
            yield self.body[start : start + self.size]


async def test_the_file_field_is_read_whatever_the_chunking() -> None:
    data = bytes(range(256)) * 40
    for size in (1, 7, 100, 100_000):
        body = form(("note", b"hello"), ("file", data), ("file", b"second"))
        read = await read_file_field(Chunks(body, size), boundary=BOUNDARY, field="file",
                                     max_bytes=len(data))  # fmt: skip
        assert read == data


async def test_reading_stops_at_the_first_chunk_past_the_limit() -> None:
    chunks = Chunks(form(("file", b"x" * 100_000)), 1000)
    with pytest.raises(PayloadTooLarge):
        await read_file_field(chunks, boundary=BOUNDARY, field="file", max_bytes=5_000)
    assert chunks.read <= 6  # of a hundred


async def test_a_form_without_the_field_is_invalid() -> None:
    with pytest.raises(ValidationFailed):
        await read_file_field(Chunks(form(("picture", b"x")), 50), boundary=BOUNDARY,
                              field="file", max_bytes=10)  # fmt: skip


async def test_other_fields_are_bounded_too() -> None:
    with pytest.raises(PayloadTooLarge):
        await read_file_field(Chunks(form(("note", b"x" * 100_000), ("file", b"y")), 500),
                              boundary=BOUNDARY, field="file", max_bytes=10)  # fmt: skip


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "image/png",
        "multipart/form-data",
        "multipart/mixed; boundary=x",
    ],
)
def test_only_a_multipart_form_with_a_boundary_is_taken(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType):
        boundary_of(content_type)


def test_the_boundary_is_read_from_the_content_type() -> None:
    assert boundary_of("multipart/form-data; boundary=abc") == b"abc"
