"""Images as files under one folder, which the app itself serves at `/media/{key}`."""

import asyncio
import re
from pathlib import Path
from typing import Final
from uuid import uuid4

# The only keys there are (`image_key` makes them): 32 hex digits and an extension. Anything
# else names no file, so no path can climb out of the folder.
KEY: Final = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")


class LocalImageStorage:
    """The domain's `ImageStorage` on the local disk (one host, or a shared volume)."""

    def __init__(self, root: Path, *, public_base_url: str = "") -> None:
        self.root = root
        self.public_base_url = public_base_url.rstrip("/")

    def path(self, key: str) -> Path | None:
        """Where the file of `key` is, or None for a key that cannot be one."""
        if not KEY.fullmatch(key):
            return None
        return self.root / key[:2] / key  # a folder per two first digits keeps them small

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_whole, path, data)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    def url(self, key: str, origin: str) -> str:
        base = self.public_base_url or f"{origin.rstrip('/')}/media"
        return f"{base}/{key}"

    async def aclose(self) -> None:
        return None

    def _path(self, key: str) -> Path:
        path = self.path(key)
        if path is None:
            raise ValueError(f"not an image key: {key!r}")
        return path


def _write_whole(path: Path, data: bytes) -> None:
    """Write under a temporary name, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{uuid4().hex}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
