"""The examples the API docs show are valid requests and responses."""

from typing import Any

import pytest
from pydantic import BaseModel

from src.domain.catalog import ProductSort
from src.presentation.rest import (
    analytics_schemas,
    catalog_schemas,
    orders_schemas,
    shipping_schemas,
    users_schemas,
)
from src.presentation.rest.schemas import ApiModel

SCHEMA_MODULES = (
    users_schemas, catalog_schemas, orders_schemas, shipping_schemas, analytics_schemas,
)  # fmt: skip


def _examples(model: type[BaseModel]) -> Any:
    extra = model.model_config.get("json_schema_extra")
    return extra.get("examples") if isinstance(extra, dict) else None


def documented_models() -> list[type[BaseModel]]:
    return [
        value
        for module in SCHEMA_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ApiModel)
        and value.__module__ == module.__name__
        and isinstance(_examples(value), list)
    ]


def test_the_main_request_and_response_models_carry_examples() -> None:
    names = {model.__name__ for model in documented_models()}
    assert {
        "RegisterRequest", "CreateProductRequest", "ProductResponse", "UserResponse",
        "PlaceOrderRequest", "OrderResponse", "PayOrderRequest", "ShipRequest",
        "ShipmentResponse", "UpdateShipmentRequest", "ProductOrdersResponse", "SalesResponse",
    } <= names  # fmt: skip


@pytest.mark.parametrize("model", documented_models(), ids=lambda model: model.__name__)
def test_every_example_validates_against_its_model(model: type[BaseModel]) -> None:
    for example in _examples(model):
        model.model_validate(example)


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys(value)}
    if isinstance(node, list):
        return {key for value in node for key in _keys(value)}
    return set()


def test_the_schema_states_bounds_in_json_schema_words() -> None:
    """`minimum`/`maximum`, never pydantic's own `ge`/`le`, which clients and fuzzers ignore."""
    from src.main import app  # noqa: PLC0415 - the assembled app, schema and all

    assert _keys(app.openapi()) & {"ge", "le", "gt", "lt"} == set()


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/api/v1/products", catalog_schemas.ProductListQuery),
        ("/api/v1/orders", orders_schemas.OrderListQuery),
    ],
)
def test_a_query_model_is_documented_parameter_by_parameter(
    path: str, model: type[ApiModel]
) -> None:
    """Each field of a listing's query model is one query parameter, by its camelCase name,
    with its bounds, default and choices spelled out where clients and fuzzers read them."""
    from src.main import app  # noqa: PLC0415 - the assembled app, schema and all

    parameters = app.openapi()["paths"][path]["get"]["parameters"]
    assert [parameter["name"] for parameter in parameters] == [
        field.alias for field in model.model_fields.values()
    ]
    assert {parameter["in"] for parameter in parameters} == {"query"}
    assert not any(parameter["required"] for parameter in parameters)
    assert "#/$defs/" not in str(parameters)
    by_name = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert by_name["limit"] == {
        "type": "integer", "minimum": 1, "maximum": 100, "default": 20,
        "description": "Items per page (1..100)", "title": "Limit",
    }  # fmt: skip


def test_the_listing_sorts_are_listed_as_the_sort_parameter_choices() -> None:
    from src.main import app  # noqa: PLC0415

    parameters = app.openapi()["paths"]["/api/v1/products"]["get"]["parameters"]
    sort = next(parameter for parameter in parameters if parameter["name"] == "sort")
    assert sort["schema"]["enum"] == [each.value for each in ProductSort]
    assert sort["schema"]["default"] == "-createdAt"
