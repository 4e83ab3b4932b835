"""Product images through the API: upload, read back on products, fetch, delete, refusals."""

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from PIL import Image

from src.config.settings import MediaSettings, Settings
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token
from tests.image_files import image_file, jpeg_with_gps, png_bomb

pytestmark = pytest.mark.database

PNG = image_file("PNG", (64, 48))


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def upload(
    shop: Shop, product: dict[str, Any], data: bytes = PNG, *, token: str | None = None,
    name: str = "picture.png", field: str = "file",
) -> Any:  # fmt: skip
    return await shop.client.post(
        f"{API}/products/{product['id']}/images",
        headers=bearer(token or shop.seller_token),
        files={field: (name, data, "image/png")},
    )


async def uploaded(shop: Shop, product: dict[str, Any], data: bytes = PNG) -> dict[str, Any]:
    response = await upload(shop, product, data)
    assert response.status_code == 201, response.text
    image: dict[str, Any] = response.json()
    return image


def files_in(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


async def test_an_uploaded_image_shows_on_its_product_and_in_listings_in_order(
    shop: Shop, media_root: Path
) -> None:
    product = await shop.product()
    first = await uploaded(shop, product, image_file("JPEG", (30, 20)))
    second = await uploaded(shop, product, image_file("WEBP", (10, 40)))
    third = await uploaded(shop, product, PNG)

    assert first.keys() == {"id", "url", "width", "height", "contentType"}
    assert (first["width"], first["height"], first["contentType"]) == (30, 20, "image/jpeg")
    assert (second["width"], second["height"], second["contentType"]) == (10, 40, "image/webp")
    assert first["url"].startswith("http://test/media/")
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert read["images"] == [first, second, third]
    listing = (await shop.client.get(f"{API}/products")).json()
    assert [item["images"] for item in listing["items"]] == [[first, second, third]]
    assert len(files_in(media_root)) == 3


async def test_the_upload_answers_location_and_the_url_serves_the_file_with_caching(
    shop: Shop,
) -> None:
    product = await shop.product()
    response = await upload(shop, product)
    assert response.status_code == 201
    image = response.json()
    assert response.headers["location"] == image["url"]

    fetched = await shop.client.get(image["url"])  # anyone, without a token
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/png"
    assert "immutable" in fetched.headers["cache-control"]
    etag = fetched.headers["etag"]
    assert Image.open(io.BytesIO(fetched.content)).size == (64, 48)

    again = await shop.client.get(image["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = await shop.client.get(image["url"], headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


async def test_a_stored_jpeg_has_no_exif_left(shop: Shop) -> None:
    product = await shop.product()
    image = await uploaded(shop, product, jpeg_with_gps())
    stored = (await shop.client.get(image["url"])).content
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"Camera Maker" not in stored


async def test_a_deleted_image_leaves_its_product_and_its_url_and_its_file(
    shop: Shop, media_root: Path
) -> None:
    product = await shop.product()
    kept, gone = await uploaded(shop, product), await uploaded(shop, product)
    path = f"{API}/products/{product['id']}/images/{gone['id']}"

    response = await shop.client.delete(path, headers=bearer(shop.seller_token))

    assert response.status_code == 204
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert read["images"] == [kept]
    problem_of(await shop.client.get(gone["url"]), 404, "notFound")
    assert len(files_in(media_root)) == 1
    problem_of(await shop.client.delete(path, headers=bearer(shop.seller_token)), 404, "notFound")


async def test_an_admin_may_add_and_remove_any_sellers_images(shop: Shop) -> None:
    product = await shop.product()
    token = await admin_token(shop.client)
    response = await upload(shop, product, token=token)
    assert response.status_code == 201
    image = response.json()
    path = f"{API}/products/{product['id']}/images/{image['id']}"
    assert (await shop.client.delete(path, headers=bearer(token))).status_code == 204


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 415, "unsupportedMediaType"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "unsupportedMediaType"),
        (image_file("GIF"), 415, "unsupportedMediaType"),
        (PNG[: len(PNG) // 2], 415, "unsupportedMediaType"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 50, 415, "unsupportedMediaType"),
        (png_bomb(), 422, "validationError"),
    ],
    ids=["empty", "svg", "gif", "truncated", "jpeg-magic-garbage", "png-bomb"],
)
async def test_what_is_no_acceptable_image_is_refused_and_nothing_is_stored(
    shop: Shop, media_root: Path, data: bytes, status: int, code: str
) -> None:
    product = await shop.product()
    problem_of(await upload(shop, product, data), status, code)
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert read["images"] == []
    assert files_in(media_root) == []


async def test_a_tall_thin_image_is_taken(shop: Shop) -> None:
    image = await uploaded(shop, await shop.product(), image_file("PNG", (1, 100_000)))
    assert (image["width"], image["height"]) == (1, 100_000)


async def test_a_file_over_the_limit_is_refused_with_413(shop: Shop) -> None:
    product = await shop.product()
    noise = Image.frombytes("RGB", (1400, 1400), bytes(range(256)) * (1400 * 1400 * 3 // 256 + 1))
    big = io.BytesIO()
    noise.save(big, format="PNG", compress_level=0)  # about 5.9 MB
    assert len(big.getvalue()) > 5 * 1024 * 1024
    problem_of(await upload(shop, product, big.getvalue()), 413, "payloadTooLarge")


async def test_an_eleventh_image_is_refused(shop: Shop, media_root: Path) -> None:
    product = await shop.product()
    for _ in range(10):
        await uploaded(shop, product)
    problem_of(await upload(shop, product), 409, "tooManyImages")
    assert len(files_in(media_root)) == 10


async def test_a_body_that_is_no_form_or_has_no_file_is_refused(shop: Shop) -> None:
    product = await shop.product()
    path = f"{API}/products/{product['id']}/images"
    headers = bearer(shop.seller_token)
    problem_of(await shop.client.post(path, headers=headers, content=PNG), 415,
               "unsupportedMediaType")  # fmt: skip
    problem_of(await shop.client.post(path, headers=headers, json={"file": "x"}), 415,
               "unsupportedMediaType")  # fmt: skip
    problem_of(await upload(shop, product, field="picture"), 422, "validationError")
    broken = headers | {"Content-Type": "multipart/form-data; boundary=xyz"}
    problem_of(await shop.client.post(path, headers=broken, content=b"not a form at all"),
               415, "unsupportedMediaType")  # fmt: skip


async def test_only_the_products_seller_or_an_admin_may_upload(shop: Shop) -> None:
    product = await shop.product()
    _, stranger = await signed_in(shop.client, role="seller")
    problem_of(await upload(shop, product, token=stranger), 403, "forbidden")
    problem_of(await upload(shop, product, token=shop.buyer_token), 403, "forbidden")
    anonymous = await shop.client.post(
        f"{API}/products/{product['id']}/images", files={"file": ("a.png", PNG, "image/png")}
    )
    problem_of(anonymous, 401, "unauthorized")
    image = await uploaded(shop, product)
    path = f"{API}/products/{product['id']}/images/{image['id']}"
    problem_of(await shop.client.delete(path, headers=bearer(stranger)), 403, "forbidden")


async def test_an_archived_or_unknown_product_takes_no_image(shop: Shop) -> None:
    product = await shop.product()
    archived = await shop.client.delete(
        f"{API}/products/{product['id']}", headers=bearer(shop.seller_token)
    )
    assert archived.status_code == 204
    problem_of(await upload(shop, product), 404, "notFound")
    unknown = {"id": "00000000-0000-4000-8000-000000000000"}
    problem_of(await upload(shop, unknown), 404, "notFound")


async def test_the_media_route_serves_only_keys_it_made(shop: Shop) -> None:
    for path in ["/media/../pyproject.toml", "/media/%2e%2e%2fpyproject.toml", "/media/x.png",
                 "/media/" + "0" * 32 + ".png"]:  # fmt: skip
        assert (await shop.client.get(path)).status_code == 404


class TestWithAPublicBaseUrl:
    @pytest.fixture
    def settings(self, database_url: str, media_root: Path) -> Settings:
        return make_settings(
            database_url,
            media=MediaSettings(root=media_root, public_base_url="https://cdn.example.com/img/"),
        )

    async def test_urls_are_under_it(self, shop: Shop, app: FastAPI) -> None:
        image = await uploaded(shop, await shop.product())
        assert image["url"].startswith("https://cdn.example.com/img/")
        assert image["url"].removeprefix("https://cdn.example.com/img/").count("/") == 0
        key = image["url"].rsplit("/", 1)[1]
        assert (await shop.client.get(f"/media/{key}")).status_code == 200
