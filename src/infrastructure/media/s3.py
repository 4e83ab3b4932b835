"""Images in an S3-compatible bucket, through aiobotocore (an async client: no thread is held
while bytes travel), for several hosts sharing one store."""

import asyncio
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from aiobotocore.session import get_session

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client


class S3ImageStorage:
    """The domain's `ImageStorage` in a bucket. Objects are public to read (their URL is
    the bucket's, or `public_base_url`'s, e.g. a CDN in front of it) and never change."""

    def __init__(
        self, *, bucket: str, endpoint_url: str = "", region: str = "us-east-1",
        public_base_url: str = "",
    ) -> None:  # fmt: skip
        self.bucket = bucket
        self.endpoint_url = endpoint_url or f"https://s3.{region}.amazonaws.com"
        self.region = region
        self.public_base_url = public_base_url.rstrip("/")
        self._client: S3Client | None = None
        self._stack = AsyncExitStack()
        self._opening = asyncio.Lock()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        client = await self._connected()
        await client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )  # fmt: skip

    async def delete(self, key: str) -> None:
        client = await self._connected()
        await client.delete_object(Bucket=self.bucket, Key=key)

    def url(self, key: str, origin: str) -> str:
        base = self.public_base_url or f"{self.endpoint_url.rstrip('/')}/{self.bucket}"
        return f"{base}/{key}"

    async def aclose(self) -> None:
        self._client = None
        await self._stack.aclose()

    async def _connected(self) -> "S3Client":
        """The client, opened at first use (opening one costs more than a request)."""
        async with self._opening:
            if self._client is None:
                session = get_session()
                self._client = await self._stack.enter_async_context(
                    session.create_client(
                        "s3", endpoint_url=self.endpoint_url, region_name=self.region
                    )
                )
            client: S3Client = self._client
            return client
