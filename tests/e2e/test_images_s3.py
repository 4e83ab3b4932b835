"""Images in an S3-compatible bucket: moto's standalone server, started by the test, stands
in for S3; the app uploads through aiobotocore, the URL serves the object over HTTP, and a
delete removes it."""

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer
from PIL import Image

from src.config.settings import MediaSettings, MediaStorageKind, Settings
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer
from tests.e2e.test_images_api import files_in, uploaded
from tests.e2e.test_orders_api import Shop
from tests.image_files import image_file

pytestmark = pytest.mark.database

BUCKET = "marketplace-images"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server of this run's own, on a free port."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
async def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty bucket, and the credentials the app's client finds in the environment."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    async with get_session().create_client("s3", endpoint_url=s3_endpoint) as client:
        await client.create_bucket(Bucket=BUCKET)
        # Readable by anyone, as an operator sets a bucket of public images up.
        await client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    return BUCKET


@pytest.fixture
def settings(database_url: str, media_root: Path, s3_endpoint: str, bucket: str) -> Settings:
    media = MediaSettings(
        storage=MediaStorageKind.S3, root=media_root, s3_endpoint_url=s3_endpoint,
        s3_bucket=bucket,
    )  # fmt: skip
    return make_settings(database_url, media=media)


@pytest.fixture
async def shop(client: httpx.AsyncClient) -> Shop:
    return await Shop(client).open()


async def test_an_image_goes_to_the_bucket_is_served_from_it_and_leaves_it(
    shop: Shop, s3_endpoint: str, media_root: Path
) -> None:
    product = await shop.product()
    image = await uploaded(shop, product, image_file("JPEG", (20, 10)))
    assert image["url"].startswith(f"{s3_endpoint}/{BUCKET}/")

    async with httpx.AsyncClient() as anyone:  # over the network, without credentials
        fetched = await anyone.get(image["url"])
        assert fetched.status_code == 200
        assert Image.open(io.BytesIO(fetched.content)).size == (20, 10)
        assert fetched.headers["content-type"] == "image/jpeg"
        assert files_in(media_root) == []  # nothing on the local disk

        path = f"{API}/products/{product['id']}/images/{image['id']}"
        assert (
            await shop.client.delete(path, headers=bearer(shop.seller_token))
        ).status_code == 204
        assert (await anyone.get(image["url"])).status_code == 404
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert read["images"] == []
