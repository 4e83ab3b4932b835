"""Image files for the tests, made with Pillow: real ones, and ones that only pretend."""

import functools
import io
import zlib

from PIL import Image

GPS_TAG = 0x8825  # the EXIF pointer to the GPS block


def image_file(fmt: str = "PNG", size: tuple[int, int] = (64, 48), colour: str = "teal",
               **options: object) -> bytes:  # fmt: skip
    """A solid-colour image in `fmt` (Pillow's name: PNG, JPEG, WEBP, GIF...)."""
    output = io.BytesIO()
    mode = "RGB" if fmt in {"JPEG", "WEBP", "PDF"} else "RGBA"
    Image.new(mode, size, colour).save(output, format=fmt, **options)
    return output.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken, and which camera took it."""
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return image_file("JPEG", exif=exif.tobytes())


@functools.cache
def png_bomb(side: int = 20_000) -> bytes:
    """A PNG of side × side one-colour pixels: a few hundred kilobytes that would decode to
    gigabytes. Written by hand (Pillow would have to hold the pixels to write it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])  # 8-bit greyscale
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * side
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks
