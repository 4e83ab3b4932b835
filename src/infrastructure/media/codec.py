"""Pillow as the image codec: reads a file's header, then decodes it and writes it anew
with nothing of the original but its pixels (no EXIF, GPS, ICC profile or text chunks)."""

import io
from typing import Any, Final

from PIL import Image, ImageOps

from src.infrastructure.errors import UnsupportedMediaType, ValidationFailed

# Pillow's names of the formats taken, and the types they are stored as.
_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SAVE_OPTIONS: Final[dict[str, dict[str, Any]]] = {
    "JPEG": {"quality": 85, "optimize": False},
    "PNG": {"compress_level": 6},
    "WEBP": {"quality": 85, "method": 4},
}
# The modes each format is written in as they are; any other is converted to the first.
_MODES: Final = {
    "JPEG": ("RGB", "L", "CMYK"),
    "PNG": ("RGB", "RGBA", "L", "LA", "P", "I;16", "1"),
    "WEBP": ("RGB", "RGBA"),
}


_ORIENTATION: Final = 0x0112  # the EXIF tag saying which way up the picture was taken
# The domain's MAX_PIXELS (which this layer cannot import; a unit test keeps them equal).
MAX_PIXELS: Final = 40_000_000


class PillowImageCodec:
    """The domain's `ImageCodec`, by Pillow (each call runs in a worker thread)."""

    def __init__(self, *, max_pixels: int = MAX_PIXELS) -> None:
        # Pillow refuses images of more than twice this at open, from the header alone (a
        # decompression bomb is a tiny file of huge dimensions), before decoding a pixel.
        Image.MAX_IMAGE_PIXELS = max_pixels

    def header(self, data: bytes) -> tuple[str, int, int]:
        """The type and size a file announces; `UnsupportedMediaType` if it is not a
        JPEG, PNG or WebP by its content."""
        with self._opened(data) as image:
            return _TYPES[str(image.format)], image.width, image.height

    def reencode(self, data: bytes) -> tuple[bytes, str, int, int]:
        """The image decoded, turned the way its EXIF orientation says, and encoded again in
        its own format without any metadata."""
        with self._opened(data) as image:
            kind = str(image.format)
            try:
                image.load()
                # Turned only when EXIF says so: copying the pixels holds the GIL throughout.
                turned = image.getexif().get(_ORIENTATION, 1) != 1
                upright = ImageOps.exif_transpose(image) if turned else image
            except Exception as error:  # Pillow's decoders raise many kinds for a broken file
                raise UnsupportedMediaType("The image does not decode") from error
            if upright.mode not in _MODES[kind]:
                upright = upright.convert(_MODES[kind][0])
            upright.info = {}  # ICC profile, EXIF, text chunks: written only when in info
            output = io.BytesIO()
            upright.save(output, format=kind, **_SAVE_OPTIONS[kind])
            return output.getvalue(), _TYPES[kind], upright.width, upright.height

    @staticmethod
    def _opened(data: bytes) -> Image.Image:
        try:
            return Image.open(io.BytesIO(data), formats=tuple(_TYPES))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            # The warning too: where warnings are errors, it is raised rather than issued.
            raise ValidationFailed("The image has too many pixels") from error
        except Exception as error:  # Pillow's plugins raise many kinds for a file that lies
            raise UnsupportedMediaType("Send a JPEG, PNG or WebP image") from error
