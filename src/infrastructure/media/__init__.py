"""Product images' storage (a local folder or an S3 bucket) and codec (Pillow)."""

from dataclasses import dataclass

from src.config.settings import MediaSettings, MediaStorageKind
from src.infrastructure.media.codec import PillowImageCodec
from src.infrastructure.media.local import LocalImageStorage
from src.infrastructure.media.s3 import S3ImageStorage

__all__ = ["LocalImageStorage", "Media", "PillowImageCodec", "S3ImageStorage", "create_media"]


@dataclass(frozen=True, slots=True)
class Media:
    """What images need: where they are stored, how they are decoded, and the local folder
    the app serves them from (None when they live in a bucket)."""

    storage: LocalImageStorage | S3ImageStorage
    codec: PillowImageCodec
    local: LocalImageStorage | None

    async def aclose(self) -> None:
        await self.storage.aclose()


def create_media(settings: MediaSettings) -> Media:
    """The storage the settings choose, and the codec."""
    codec = PillowImageCodec()
    if settings.storage is MediaStorageKind.S3:
        bucket = S3ImageStorage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            public_base_url=settings.public_base_url,
        )
        return Media(storage=bucket, codec=codec, local=None)
    folder = LocalImageStorage(settings.root, public_base_url=settings.public_base_url)
    return Media(storage=folder, codec=codec, local=folder)
