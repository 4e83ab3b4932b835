"""The Pillow codec: JPEG, PNG and WebP in, the same re-encoded without metadata out, and
every other file (or a lying one) refused with its problem, never an exception of Pillow's."""

import io

import pytest
from PIL import Image

from src.domain.catalog.images import MAX_PIXELS, check_header
from src.infrastructure.errors import UnsupportedMediaType, ValidationFailed
from src.infrastructure.media.codec import MAX_PIXELS as CODEC_MAX_PIXELS
from src.infrastructure.media.codec import PillowImageCodec
from tests.image_files import GPS_TAG, image_file, jpeg_with_gps, png_bomb

CODEC = PillowImageCodec()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_each_format_taken_is_stored_in_that_format_at_its_size(
    fmt: str, content_type: str
) -> None:
    original = image_file(fmt, (40, 30))
    assert CODEC.header(original) == (content_type, 40, 30)
    data, stored_type, width, height = CODEC.reencode(original)
    assert (stored_type, width, height) == (content_type, 40, 30)
    again = decoded(data)
    assert (again.format, again.size) == (fmt, (40, 30))


def test_a_jpeg_loses_its_exif_and_gps_when_stored() -> None:
    original = jpeg_with_gps()
    assert decoded(original).getexif().get_ifd(GPS_TAG)  # the test file does have them
    data, *_ = CODEC.reencode(original)
    stored = decoded(data)
    assert not stored.getexif()
    assert "exif" not in stored.info
    assert b"Exif" not in data
    assert b"Camera Maker" not in data


def test_a_png_loses_its_text_chunks_and_icc_profile() -> None:
    from PIL import ImageCms, PngImagePlugin  # noqa: PLC0415

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = image_file("PNG", pnginfo=info, icc_profile=profile)
    assert "icc_profile" in decoded(original).info
    data, *_ = CODEC.reencode(original)
    assert b"secret location" not in data
    assert decoded(data).info.get("icc_profile") is None


def test_a_jpeg_taken_sideways_is_stored_upright_without_its_orientation_tag() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    _, _, width, height = CODEC.reencode(image_file("JPEG", (40, 30), exif=exif.tobytes()))
    assert (width, height) == (30, 40)


def test_a_tall_thin_image_is_taken() -> None:
    _, content_type, width, height = CODEC.reencode(image_file("PNG", (1, 100_000)))
    assert (content_type, width, height) == ("image/png", 1, 100_000)


def test_a_png_bomb_is_refused_from_its_header_before_its_pixels_are_decoded() -> None:
    with pytest.raises(ValidationFailed):
        CODEC.header(png_bomb())
    with pytest.raises(ValidationFailed):
        CODEC.reencode(png_bomb())


def test_an_image_over_the_pixel_limit_but_under_pillows_is_refused_by_the_rule() -> None:
    bomb = png_bomb(7_000)  # 49 megapixels: more than ours, less than twice Pillow's
    with pytest.raises(ValidationFailed):
        check_header(*CODEC.header(bomb))


def test_the_codec_and_the_domain_agree_on_the_pixel_limit() -> None:
    assert CODEC_MAX_PIXELS == MAX_PIXELS
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


JPEG = image_file("JPEG", (32, 32))
REFUSED = {
    "zero bytes": b"",
    "a truncated JPEG": JPEG[: len(JPEG) // 2],
    "a truncated PNG": image_file("PNG", (300, 300))[:200],
    "SVG text": b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"></svg>',
    "a GIF": image_file("GIF"),
    "a PDF": image_file("PDF"),
    "JPEG magic then garbage": b"\xff\xd8\xff\xe0" + b"garbage" * 100,
    "a GIF with a JPEG appended": image_file("GIF") + JPEG,
    "a zip with a JPEG header": JPEG[:20] + b"PK\x03\x04" + b"\x00" * 200,
    "plain text": b"hello, this is not an image",
}


@pytest.mark.parametrize("name", REFUSED)
def test_what_is_not_a_whole_jpeg_png_or_webp_is_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        stored(REFUSED[name])


def stored(data: bytes) -> tuple[bytes, str, int, int]:
    """What an upload does with a file: its header checked, then it is re-encoded."""
    check_header(*CODEC.header(data))
    return CODEC.reencode(data)
