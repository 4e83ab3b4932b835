"""An image upload is all or nothing: concurrent uploads keep the limit of ten exactly, and
an upload that fails after its file was written leaves neither row nor file."""

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from src.application.catalog import archive_product
from src.domain.catalog import ProductRepository
from src.domain.users import Principal, Role
from src.infrastructure.database.tables import ProductImagesTable
from src.infrastructure.runtime import runtime
from tests.e2e.helpers import API, bearer
from tests.e2e.test_images_api import PNG, files_in, upload, uploaded
from tests.e2e.test_orders_api import Shop

pytestmark = pytest.mark.database


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def image_rows() -> int:
    async with runtime().database.engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(ProductImagesTable))
    return int(count or 0)


async def test_twenty_uploads_onto_nine_images_leave_exactly_ten(
    shop: Shop, media_root: Path
) -> None:
    product = await shop.product()
    for _ in range(9):
        await uploaded(shop, product)

    responses = await asyncio.gather(*(upload(shop, product) for _ in range(20)))

    assert Counter(response.status_code for response in responses) == {201: 1, 409: 19}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"tooManyImages"}
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert len(read["images"]) == 10
    assert await image_rows() == 10
    assert len(files_in(media_root)) == 10


async def test_a_product_archived_while_its_image_is_stored_keeps_no_row_and_no_file(
    shop: Shop, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await shop.product()
    storage = runtime().media.storage
    put = storage.put
    seller = Principal(user_id=UUID(shop.seller["id"]), role=Role.SELLER)

    async def put_then_archive(key: str, data: bytes, content_type: str) -> None:
        await put(key, data, content_type)
        assert len(files_in(media_root)) == 1  # the file was written...
        await archive_product(principal=seller, product_id=UUID(product["id"]))

    monkeypatch.setattr(storage, "put", put_then_archive)
    response = await upload(shop, product)

    assert response.status_code == 404, response.text
    assert await image_rows() == 0
    assert files_in(media_root) == []  # ...and deleted when the row could not be written


async def test_a_failure_recording_the_image_deletes_its_file(
    shop: Shop, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await shop.product()

    async def fail(*_: Any, **__: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ProductRepository, "add_image", fail)
    response = await upload(shop, product)

    assert response.status_code == 500
    assert await image_rows() == 0
    assert files_in(media_root) == []


async def test_a_storage_failure_records_no_image(
    shop: Shop, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await shop.product()

    async def fail(*_: Any, **__: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(runtime().media.storage, "put", fail)
    response = await upload(shop, product)

    assert response.status_code == 500
    assert await image_rows() == 0
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert read["images"] == []
    assert files_in(media_root) == []


async def test_a_stranger_is_refused_before_the_body_is_read(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await shop.product()
    decoded: list[bytes] = []
    codec = runtime().media.codec
    header = codec.header

    def recorded(data: bytes) -> tuple[str, int, int]:
        decoded.append(data)
        return header(data)

    monkeypatch.setattr(codec, "header", recorded)
    response = await shop.client.post(
        f"{API}/products/{product['id']}/images", headers=bearer(shop.buyer_token),
        files={"file": ("a.png", PNG, "image/png")},
    )  # fmt: skip
    assert response.status_code == 403
    assert decoded == []
    await uploaded(shop, product)
    assert decoded == [PNG]
