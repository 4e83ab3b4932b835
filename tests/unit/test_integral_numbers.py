"""A JSON number with a zero fraction is an integer (JSON Schema), in every integer a request
gives; a fraction, a boolean or (in a body) a string is not."""

from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel, BeforeValidator, ValidationError

from src.presentation.rest import admin, catalog_schemas, orders_schemas, users_schemas
from src.presentation.rest.catalog_schemas import ProductListQuery, UpdateProductRequest
from src.presentation.rest.schemas import QUERY_STRING, RequestModel, _json_integer

REQUEST_MODULES = (catalog_schemas, orders_schemas, users_schemas, admin)


@pytest.mark.parametrize(("given", "read"), [(18073, 18073), (18073.0, 18073)])
def test_a_body_integer_may_be_written_with_a_zero_fraction(given: Any, read: int) -> None:
    assert UpdateProductRequest.model_validate({"price": given}).price == read


@pytest.mark.parametrize("given", [18073.5, True, "18073", float("inf"), float("nan")])
def test_a_body_integer_is_never_a_fraction_a_boolean_or_a_string(given: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        UpdateProductRequest.model_validate({"price": given})
    assert raised.value.errors()[0]["loc"][0] == "price"


@pytest.mark.parametrize(("given", "read"), [("18073", 18073), ("18073.0", 18073)])
def test_a_query_integer_is_the_text_of_a_whole_number(given: str, read: int) -> None:
    query = ProductListQuery.model_validate({"minPrice": given}, context=QUERY_STRING)
    assert query.min_price == read


@pytest.mark.parametrize("given", ["18073.5", "true", "1e3", ""])
def test_a_query_integer_is_never_a_fraction_or_a_word(given: str) -> None:
    with pytest.raises(ValidationError):
        ProductListQuery.model_validate({"minPrice": given}, context=QUERY_STRING)


def _integer_fields(model: type[BaseModel]) -> list[tuple[str, bool]]:
    """Each int field of `model` and of the models it holds: its name, and whether the shared
    `Integer` rule reads it."""
    found = []
    for name, field in model.model_fields.items():
        found += [
            (f"{model.__name__}.{name}", shared)
            for shared in _ints(field.annotation, field.metadata)
        ]
        found += [each for held in _models(field.annotation) for each in _integer_fields(held)]
    return found


def _ints(annotation: Any, metadata: list[Any]) -> list[bool]:
    if annotation is int:
        return [any(isinstance(each, BeforeValidator) and each.func is _json_integer
                    for each in metadata)]  # fmt: skip
    if get_origin(annotation) is Annotated:
        base, *more = get_args(annotation)
        return _ints(base, [*metadata, *more])
    return [shared for member in get_args(annotation) for shared in _ints(member, [])]


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for member in get_args(annotation) for model in _models(member)]


def _request_models() -> list[type[BaseModel]]:
    return [
        value
        for module in REQUEST_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and (issubclass(value, RequestModel) or value.__name__.endswith("Query"))
        and value.__module__ == module.__name__
    ]


def test_every_integer_a_request_gives_is_read_by_the_one_integer_rule() -> None:
    fields = [field for model in _request_models() for field in _integer_fields(model)]
    assert {
        "UpdateProductRequest.price",
        "OrderLineRequest.quantity",
        "ProductListQuery.limit",
    } <= {name for name, _ in fields}
    assert [name for name, shared in fields if not shared] == []
