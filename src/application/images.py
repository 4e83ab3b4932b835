"""Product images: uploading one (checked, decoded and re-encoded, stored, then recorded),
removing one, and where the app's own files are.

No transaction is open while bytes are read, decoded or written: a short read-only one first
checks that the caller may add an image (so a stranger cannot make the server decode), the
body is read and re-encoded outside any, the file is stored under a fresh key, and a second
short transaction records it under the product's lock. If that one fails, the file is
deleted: a failed upload leaves neither row nor file.
"""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID, uuid4

from loguru import logger

from src.application.catalog import managed_product
from src.domain.catalog import ProductRepository
from src.domain.catalog.images import (
    ImageCodec,
    ImageStorage,
    ProductImage,
    check_header,
    check_image_count,
    check_size,
    image_key,
)
from src.domain.catalog.rules import ensure_can_manage, ensure_visible
from src.domain.clock import utcnow
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import NotFound
from src.infrastructure.runtime import runtime

# Reads the uploaded file, refusing (`PayloadTooLarge`) to hold more than the bytes given.
ReadFile = Callable[[int], Awaitable[bytes]]


async def add_product_image(
    *, principal: Principal, product_id: UUID, read_file: ReadFile
) -> ProductImage:
    """Add an image to a product (its seller or an admin), after the ones it has."""
    media = runtime().media
    storage: ImageStorage = media.storage
    codec: ImageCodec = media.codec
    await _check_can_add(principal=principal, product_id=product_id)
    max_bytes = runtime().settings.media.max_bytes
    data = await read_file(max_bytes)
    check_size(len(data), max_bytes)
    check_header(*await asyncio.to_thread(codec.header, data))
    encoded, content_type, width, height = await asyncio.to_thread(codec.reencode, data)
    image_id = uuid4()
    image = ProductImage(
        id=image_id, key=image_key(image_id, content_type), width=width, height=height,
        content_type=content_type,
    )  # fmt: skip
    await storage.put(image.key, encoded, content_type)
    try:
        await _record_image(
            principal=principal, product_id=product_id, image=image, byte_size=len(encoded)
        )
    except BaseException:
        await _discard(storage, image.key)
        raise
    return image


async def _discard(storage: ImageStorage, key: str) -> None:
    """Delete the file of an upload that failed; a failure here must not hide why it did."""
    try:
        await storage.delete(key)
    except Exception:
        logger.exception("could not delete the file of a failed upload: {}", key)


@transaction(readonly=True)
async def _check_can_add(*, principal: Principal, product_id: UUID) -> None:
    product = ensure_visible(await ProductRepository().get(product_id))
    ensure_can_manage(principal, product)
    check_image_count(len(product.images))


@transaction
async def _record_image(
    *, principal: Principal, product_id: UUID, image: ProductImage, byte_size: int
) -> None:
    """Record a stored image; the product's row is locked first, so concurrent uploads
    count its images one after another."""
    products, product = await managed_product(principal, product_id)
    check_image_count(len(product.images))
    await products.add_image(product, image, byte_size=byte_size, now=utcnow())


async def remove_product_image(*, principal: Principal, product_id: UUID, image_id: UUID) -> None:
    """Remove one of a product's images (its seller or an admin); its file goes after the
    commit (a failure to delete it leaves a file nobody names, never a row without a file)."""
    key = await _forget_image(principal=principal, product_id=product_id, image_id=image_id)
    storage: ImageStorage = runtime().media.storage
    try:
        await storage.delete(key)
    except Exception:  # the image is gone from the product: the answer stays a success
        logger.exception("could not delete the file of a removed image: {}", key)


@transaction
async def _forget_image(*, principal: Principal, product_id: UUID, image_id: UUID) -> str:
    products, product = await managed_product(principal, product_id)
    image = product.image(image_id)
    if image is None:
        raise NotFound("No such image of this product")
    await products.remove_image(product, image_id)
    return image.key


def image_url(key: str, origin: str) -> str:
    """The public URL of a stored image, for a request that came to `origin`."""
    return runtime().media.storage.url(key, origin)


def local_image_file(key: str) -> Path | None:
    """The file the app serves for `key`, when images are stored locally and it exists."""
    local = runtime().media.local
    path = None if local is None else local.path(key)
    return path if path is not None and path.is_file() else None
