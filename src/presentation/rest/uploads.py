"""One file out of a `multipart/form-data` body, read as it streams in: no more than the
limit (plus one byte) is ever held, and the rest of a body too large is never read."""

from collections.abc import AsyncIterable

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from src.infrastructure.errors import (
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

# Room for the other parts' headers and small fields besides the file (they are dropped).
MAX_OTHER_BYTES = 16 * 1024


class _FilePart:
    """Collects the bytes of the part named `field`, at most `max_bytes` of them."""

    def __init__(self, field: str, max_bytes: int) -> None:
        self.field, self.max_bytes = field, max_bytes
        self.data = bytearray()
        self.found = self.done = False
        self._header_name, self._header_value = bytearray(), bytearray()
        self._in_file = False
        self._other = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._in_file = False

    def _header_end(self) -> None:
        name, value = bytes(self._header_name).lower(), bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()
        self._count(len(name) + len(value))
        if name == b"content-disposition":
            _, options = parse_options_header(value)
            self._in_file = options.get(b"name") == self.field.encode() and not self.found

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            self._count(end - start)
            return
        room = self.max_bytes + 1 - len(self.data)  # one byte more tells it is too large
        self.data.extend(data[start : min(end, start + room)])
        if len(self.data) > self.max_bytes:
            raise PayloadTooLarge(f"The file is larger than {self.max_bytes} bytes")

    def _part_end(self) -> None:
        if self._in_file:
            self.found = self.done = True
            self._in_file = False

    def _count(self, size: int) -> None:
        self._other += size
        if self._other > MAX_OTHER_BYTES:
            raise PayloadTooLarge("The form's other fields are too large")


def boundary_of(content_type: str | None) -> bytes:
    """The boundary of a `multipart/form-data` body; 415 for any other body."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType("Send the image as multipart/form-data, in a `file` field")
    return boundary


async def read_file_field(
    chunks: AsyncIterable[bytes], *, boundary: bytes, field: str, max_bytes: int
) -> bytes:
    """The bytes of the form's `field` (the first part of that name); 413 past `max_bytes`,
    422 when the form has no such field."""
    part = _FilePart(field, max_bytes)
    parser = MultipartParser(boundary, part.callbacks())  # type: ignore[arg-type]
    async for chunk in chunks:
        try:
            parser.write(chunk)
        except MultipartParseError as error:
            raise UnsupportedMediaType("The body is not a well-formed multipart form") from error
        if part.done:
            break  # what follows the file is not needed
    if not part.found:
        raise ValidationFailed(
            f"The form has no `{field}` field",
            errors=[FieldError(("body", field), "Field required")],
        )
    return bytes(part.data)
