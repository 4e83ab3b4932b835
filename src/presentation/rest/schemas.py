"""Shared HTTP models: camelCase on the wire, snake_case accepted in request bodies."""

from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType
from typing import Annotated, Any, Final, Generic, TypeVar

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError

from src.domain.pagination import Page
from src.infrastructure.pagination import MAX_CURSOR_LENGTH

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

INT32_MAX: Final = 2**31 - 1
INT64_MAX: Final = 2**63 - 1


class Documented:
    """JSON Schema keywords a type's schema gains, which pydantic does not check: the bounds
    of what the server sends (it made the value, so validating it again would only cost
    time), or the `format` that a request integer's checked bounds imply."""

    __slots__ = ("keywords",)

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(core_schema), **self.keywords}


def _width(minimum: int, maximum: int) -> str:
    return "int32" if minimum >= -INT32_MAX - 1 and maximum <= INT32_MAX else "int64"


def width(minimum: int, maximum: int) -> Documented:
    """The `format` (int32 or int64) of a request integer whose bounds pydantic checks."""
    return Documented(format=_width(minimum, maximum))


def sent_integer(minimum: int, maximum: int) -> Documented:
    """The bounds and `format` of an integer the server sends.

    FastAPI's document model holds bounds as floats: a bound a float cannot hold exactly
    (2⁶³ − 1) is said as the exclusive bound above it (2⁶³), which one can."""
    upper = {"maximum": maximum} if float(maximum) == maximum else {"exclusiveMaximum": maximum + 1}
    return Documented(minimum=minimum, format=_width(minimum, maximum), **upper)


def sent_text(max_length: int, *, min_length: int = 1) -> Documented:
    """The bounds of text the server sends: what `text` accepted when it was written."""
    pattern = {"pattern": _SEEN} if min_length else {}
    return Documented(minLength=min_length, maxLength=max_length, **pattern)


# Counts and sums over a whole table: nothing bounds them below what a 64-bit integer holds.
Count = Annotated[int, sent_integer(0, INT64_MAX)]


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def server_default(value: Any, description: str = "") -> Any:
    """A request field that may be left out, the server then taking `value`.

    The document says so in the description and not with `default`: a schema default makes
    the field required in clients generated with openapi-typescript's defaults."""
    said = f"Left out: `{value}`." if value != "" else "Left out: empty."
    return Field(
        default=value,
        description=f"{description} {said}".strip(),
        json_schema_extra=_without_default,
    )


# PostgreSQL's text cannot hold U+0000 (SQLite's can): on every database, text a request
# gives (to store or to look up) never holds it, and the schema says so with a pattern.
NO_NUL: Final = r"^[^\x00]*$"
# What is trimmed from text: whitespace to Unicode (White_Space), to Python (`str.isspace`)
# or to JavaScript (`\s`). The patterns name these characters one by one, so that every
# client's regular expressions read them as the server's do, whatever their `\s` means.
WHITE_SPACE: Final = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_SPACE: Final = "".join(f"\\u{ord(c):04x}" for c in WHITE_SPACE)
_ANY: Final = r"[^\x00]*"
_SEEN: Final = rf"[^\x00{_SPACE}]"  # a character that is neither U+0000 nor whitespace
# Text holding at least n characters besides whitespace, and no U+0000: trimmed, it is at
# least n long (for n of 0, 1 and 2, where the two say the same).
_VISIBLE: Final = {
    0: NO_NUL,
    1: f"^{_ANY}{_SEEN}{_ANY}$",
    2: f"^{_ANY}{_SEEN}{_ANY}{_SEEN}{_ANY}$",
}


class ApiModel(BaseModel):
    """A response body: camelCase keys. Every field is always sent, `null` included, so the
    response schema lists every field as required, defaulted ones too."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        json_schema_serialization_defaults_required=True,
    )


class RequestModel(ApiModel):
    """A request body: unknown fields (server-owned ones included) are refused."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class Text(GroupedMetadata):
    """Free text, never holding U+0000, trimmed of surrounding whitespace once it is valid.

    What the schema says is checked on the text as sent (`maxLength` counts the whitespace
    around it too), so the server takes exactly what its document allows; when required
    (`min_length` > 0), it must hold that many characters besides whitespace."""

    max_length: int
    min_length: int = 1

    def __iter__(self) -> Iterator[object]:
        if self.min_length not in _VISIBLE:
            raise ValueError(f"no pattern says that trimmed text is {self.min_length} long")
        yield StringConstraints(
            min_length=self.min_length,
            max_length=self.max_length,
            pattern=_VISIBLE[self.min_length],
        )
        yield AfterValidator(_trimmed)


def _trimmed(value: str | None) -> str | None:
    # `Annotated[str | None, text(…)]` runs this on the whole union, `None` included.
    return value if value is None else value.strip(WHITE_SPACE)


def text(max_length: int, *, min_length: int = 1) -> Text:
    """Free text (`Text`): `Annotated[str, text(200)]`."""
    return Text(max_length, min_length)


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


MAX_PAGE_LIMIT: Final = 100
# What a cursor is made of: URL-safe base64.
CURSOR_PATTERN: Final = r"^[A-Za-z0-9_-]+$"


class PageResponse(ApiModel, Generic[ItemT]):
    """One page of a collection; pass `nextCursor` back as `cursor` for the next one."""

    items: Annotated[list[ItemT], Documented(maxItems=MAX_PAGE_LIMIT)] = Field(
        description=f"At most `limit` items (at most {MAX_PAGE_LIMIT})"
    )
    next_cursor: (
        Annotated[str, Documented(minLength=1, maxLength=MAX_CURSOR_LENGTH, pattern=CURSOR_PATTERN)]
        | None
    ) = Field(description="null on the last page")

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """`ProductPage` for `PageResponse[ProductResponse]`: the schema's name in the API
        document, and so the type's name in generated clients."""
        (item,) = params
        return f"{item.__name__.removesuffix('Response')}Page"

    @classmethod
    def of(cls, items: list[ItemT], page: Page[Any]) -> "PageResponse[ItemT]":
        return cls(items=items, next_cursor=page.next_cursor)


PageLimit = Integer[
    Annotated[
        int,
        Field(ge=1, le=MAX_PAGE_LIMIT, description=f"Items per page (1..{MAX_PAGE_LIMIT})"),
        width(1, MAX_PAGE_LIMIT),
    ]
]
# A cursor the server did not make is refused with 422, whatever its characters: the
# pattern is for the document only.
PageCursor = Annotated[
    Annotated[str, Documented(pattern=CURSOR_PATTERN)] | None,
    Field(max_length=MAX_CURSOR_LENGTH, description="The `nextCursor` of the previous page"),
]


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (bodies: problem details)."""
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}
