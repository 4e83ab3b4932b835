"""Product images: sellers upload and remove them; the app serves the stored files."""

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import FileResponse

from src.application import images
from src.infrastructure.errors import NotFound
from src.presentation.rest.deps import AsSellerOrAdmin, MediaUrls
from src.presentation.rest.images_schemas import UPLOAD_BODY, ImageResponse
from src.presentation.rest.schemas import problems
from src.presentation.rest.uploads import boundary_of, read_file_field

router = APIRouter(prefix="/products", tags=["catalog"])
media = APIRouter(prefix="/media", include_in_schema=False)

# A stored file never changes (each upload gets a new key): caches may keep it for good.
_CACHE_CONTROL = "public, max-age=31536000, immutable"


@router.post(
    "/{product_id}/images",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 413, 415, 422),
    openapi_extra=UPLOAD_BODY,
)
async def add_product_image(
    product_id: UUID, principal: AsSellerOrAdmin, request: Request, response: Response,
    links: MediaUrls,
) -> ImageResponse:  # fmt: skip
    """Add an image to a product (its seller or an admin).

    `multipart/form-data` with one `file`: a JPEG, PNG or WebP, recognised by decoding it
    (else 415 `unsupportedMediaType`), of at most `MEDIA__MAX_BYTES` (413) and 40 megapixels
    (422). It is stored re-encoded, without its metadata (EXIF, GPS), after the product's
    others; an 11th → 409 `tooManyImages`. `Location` is its URL.
    """

    async def read_file(max_bytes: int) -> bytes:
        boundary = boundary_of(request.headers.get("content-type"))
        return await read_file_field(
            request.stream(), boundary=boundary, field="file", max_bytes=max_bytes
        )

    image = await images.add_product_image(
        principal=principal, product_id=product_id, read_file=read_file
    )
    answer = ImageResponse.of(image, links(image.key))
    response.headers["Location"] = answer.url
    return answer


@router.delete(
    "/{product_id}/images/{image_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def remove_product_image(
    product_id: UUID, image_id: UUID, principal: AsSellerOrAdmin
) -> None:
    """Remove an image of a product (its seller or an admin).

    Its URL stops answering; the others keep their order.
    """
    await images.remove_product_image(principal=principal, product_id=product_id, image_id=image_id)


@media.get("/{key}")
async def read_image_file(key: str, request: Request) -> Response:
    """A stored image's file (local storage), cacheable for good."""
    path = images.local_image_file(key)
    if path is None:
        raise NotFound("No such image")
    etag = f'"{path.stem}"'
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL}
    if etag in request.headers.get("if-none-match", "").replace("W/", "").split(", "):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=headers)


_MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
