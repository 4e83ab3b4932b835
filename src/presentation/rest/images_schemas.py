"""HTTP models of product images."""

from collections.abc import Callable
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue

from src.domain.catalog.images import MAX_PIXELS, ProductImage
from src.presentation.rest.schemas import ApiModel, sent_integer

# A stored image's key → its public URL, for the request being answered.
MediaLinks = Callable[[str], str]

IMAGE_EXAMPLE: Final[dict[str, JsonValue]] = {
    "id": "0b6f1c2e-7a4d-4e1b-9f3a-2d8c5e6f7a81",
    "url": "https://shop.example.com/media/0b6f1c2e7a4d4e1b9f3a2d8c5e6f7a81.jpg",
    "width": 1200,
    "height": 800,
    "contentType": "image/jpeg",
}
ContentType = Literal["image/jpeg", "image/png", "image/webp"]  # EXTENSIONS' keys


class ImageResponse(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [IMAGE_EXAMPLE]})

    id: UUID
    url: str = Field(
        max_length=2000,
        json_schema_extra={"format": "uri"},
        description="Absolute; anyone may fetch it, and it never changes (cache it for good)",
        examples=[IMAGE_EXAMPLE["url"]],
    )
    width: Annotated[int, sent_integer(1, MAX_PIXELS)] = Field(examples=[1200])
    height: Annotated[int, sent_integer(1, MAX_PIXELS)] = Field(examples=[800])
    content_type: ContentType = Field(
        description="What it was stored as: its own format, re-encoded",
        examples=["image/jpeg"],
    )

    @staticmethod
    def fields(image: ProductImage, url: str) -> dict[str, Any]:
        return {"id": image.id, "url": url, "width": image.width, "height": image.height,
                "content_type": image.content_type}  # fmt: skip

    @classmethod
    def of(cls, image: ProductImage, url: str) -> "ImageResponse":
        return cls.model_validate(cls.fields(image, url))


# The request body of an upload: FastAPI cannot describe a body the route reads itself.
UPLOAD_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "maxLength": 5 * 1024 * 1024,
                            "description": "A JPEG, PNG or WebP image, recognised by its content",
                        }
                    },
                },
                "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}},
            }
        },
    }
}
