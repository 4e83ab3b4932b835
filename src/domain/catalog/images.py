"""Product images: what a stored one is, the ports that store and decode them, and the
limits an upload must keep (plain rules, checked before anything is stored)."""

from typing import Final, Protocol
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity
from src.infrastructure.errors import (
    Conflict,
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

MAX_IMAGES: Final = 10  # per product
MAX_PIXELS: Final = 40_000_000  # width × height
# The types an image is stored as, and the extension its key ends with.
EXTENSIONS: Final = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class ProductImage(Entity):
    """A picture of a product, as stored: `key` names it in the storage."""

    id: UUID
    key: str = Field(min_length=1, max_length=100)
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    content_type: str


class ImageCodec(Protocol):
    """Reads image files and writes them anew. Both calls are slow: callers run them off the
    event loop. A file that is not a JPEG, PNG or WebP by its content, or does not decode,
    raises `UnsupportedMediaType`; one too large to open, `ValidationFailed`."""

    def header(self, data: bytes) -> tuple[str, int, int]:
        """The content type, width and height the file announces, its pixels unread."""
        ...

    def reencode(self, data: bytes) -> tuple[bytes, str, int, int]:
        """The image decoded and encoded again, bare of metadata: its bytes, content type,
        width and height."""
        ...


class ImageStorage(Protocol):
    """Where images' files live, by key, and the public URL each is read at."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def delete(self, key: str) -> None: ...

    def url(self, key: str, origin: str) -> str: ...


def check_size(size: int, max_bytes: int) -> None:
    """A file of `size` bytes may be uploaded: one byte at least, `max_bytes` at most."""
    if size > max_bytes:
        raise PayloadTooLarge(f"The image is larger than {max_bytes} bytes")
    if size == 0:
        raise UnsupportedMediaType("The file is empty: send a JPEG, PNG or WebP image")


def check_header(content_type: str, width: int, height: int) -> None:
    """JPEG, PNG or WebP, of at most `MAX_PIXELS` pixels (known before decoding them)."""
    if content_type not in EXTENSIONS:
        raise UnsupportedMediaType("Send a JPEG, PNG or WebP image")
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise ValidationFailed(
            f"The image has more than {MAX_PIXELS:,} pixels",
            errors=[FieldError(("body", "file"), f"at most {MAX_PIXELS} pixels")],
        )


def check_image_count(count: int) -> None:
    """A product with `count` images may take one more."""
    if count >= MAX_IMAGES:
        raise Conflict(f"A product has at most {MAX_IMAGES} images", code="tooManyImages")


def image_key(image_id: UUID, content_type: str) -> str:
    """The storage key of a new image: fresh for every upload, so a stored file never
    changes (its URL may be cached for good) and no two uploads share one."""
    return f"{image_id.hex}.{EXTENSIONS[content_type]}"
