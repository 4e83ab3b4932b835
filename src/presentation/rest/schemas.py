"""Shared HTTP models: camelCase on the wire, snake_case accepted in request bodies."""

from http import HTTPStatus
from types import MappingProxyType
from typing import Annotated, Any, Final, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from src.domain.pagination import Page

ItemT = TypeVar("ItemT")
IntT = TypeVar("IntT", bound=int)

# The validation context `query_model` passes: every value is text from the query string.
QUERY_STRING: Final = MappingProxyType({"in": "query"})


def _json_integer(value: Any, info: ValidationInfo) -> Any:
    """JSON Schema's integer: a number with a zero fraction (`18073.0`) is one, and so is
    the text of one in a query string, where every value is text; in a body a boolean or a
    string is not, whatever it spells."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if isinstance(value, str) and info.context is QUERY_STRING:
        return value  # int's own parsing reads it ("18073", "18073.0"; not "18073.5")
    raise PydanticCustomError("int_type", "Input should be a valid integer")


# Every integer a request gives, in a body or a query: `Integer[Annotated[int, Field(...)]]`.
# The bounds go inside, so that they stay plain `minimum`/`maximum` of the integer's schema.
Integer = Annotated[IntT, BeforeValidator(_json_integer)]


class ApiModel(BaseModel):
    """A response body: camelCase keys."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class RequestModel(ApiModel):
    """A request body: unknown fields (server-owned ones included) are refused."""

    model_config = ConfigDict(extra="forbid")


def text(max_length: int, *, min_length: int = 1) -> StringConstraints:
    """Free text, trimmed of surrounding whitespace; when required (`min_length` > 0), it
    must hold something besides whitespace, which the schema says with a pattern so that
    clients can know it too."""
    return StringConstraints(
        strip_whitespace=True,
        min_length=min_length,
        max_length=max_length,
        pattern=r"\S" if min_length else None,
    )


# A partial update's field: it may be left out, which Python sees as None, but `null` is not
# a value it accepts, so the documented schema does not offer it.
Omitted = SkipJsonSchema[None]


class PatchModel(RequestModel):
    """A partial update: absent fields stay as they are; `null` is refused, not "unset"."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(str(key) for key, value in data.items() if value is None)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} may be left out but not set to null")
        return data


class PageResponse(ApiModel, Generic[ItemT]):
    """One page of a collection; pass `nextCursor` back as `cursor` for the next one."""

    items: list[ItemT]
    next_cursor: str | None = Field(description="null on the last page")

    @classmethod
    def of(cls, items: list[ItemT], page: Page[Any]) -> "PageResponse[ItemT]":
        return cls(items=items, next_cursor=page.next_cursor)


PageLimit = Integer[Annotated[int, Field(ge=1, le=100, description="Items per page (1..100)")]]
PageCursor = Annotated[
    str | None,
    Field(max_length=1024, description="The `nextCursor` of the previous page"),
]


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (bodies: problem details)."""
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}
