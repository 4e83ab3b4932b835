"""The examples the API docs show are valid requests and responses."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import pytest
from pydantic import BaseModel

from src.domain.catalog import ProductSort
from src.infrastructure.web.openapi_components import SCHEMAS_KEY, constant_name
from src.presentation.rest import (
    analytics_schemas,
    catalog_schemas,
    orders_schemas,
    shipping_schemas,
    users_schemas,
)
from src.presentation.rest.schemas import ApiModel, RequestModel

SCHEMA_MODULES = (
    users_schemas, catalog_schemas, orders_schemas, shipping_schemas, analytics_schemas,
)  # fmt: skip


def _examples(model: type[BaseModel]) -> Any:
    extra = model.model_config.get("json_schema_extra")
    return extra.get("examples") if isinstance(extra, dict) else None


def models_of(kind: type[BaseModel]) -> list[type[BaseModel]]:
    """The `kind` models the schema modules define."""
    return [
        value
        for module in SCHEMA_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, kind)
        and value.__module__ == module.__name__
    ]


def documented_models() -> list[type[BaseModel]]:
    return [model for model in models_of(ApiModel) if isinstance(_examples(model), list)]


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
    assert SCHEMAS_KEY not in app.openapi()["paths"][path]["get"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert by_name["limit"] == {
        "type": "integer", "format": "int32", "minimum": 1, "maximum": 100, "default": 20,
        "description": "Items per page (1..100)", "title": "Limit",
    }  # fmt: skip


def test_the_listing_sorts_are_the_sort_parameter_choices_by_reference() -> None:
    """The sort is a named type of the document, with readable constant names for clients."""
    from src.main import app  # noqa: PLC0415

    document = app.openapi()
    parameters = document["paths"]["/api/v1/products"]["get"]["parameters"]
    sort = next(parameter for parameter in parameters if parameter["name"] == "sort")
    assert sort["schema"] == {
        "$ref": "#/components/schemas/ProductSort", "default": "-createdAt",
        "description": sort["schema"]["description"],
    }  # fmt: skip
    assert "`relevance` by default with a `q`" in sort["schema"]["description"]
    named = document["components"]["schemas"]["ProductSort"]
    assert named["enum"] == [each.value for each in ProductSort]
    assert named["x-enum-varnames"] == [
        "CREATED_AT_DESC", "CREATED_AT", "PRICE", "PRICE_DESC", "TITLE", "RATING_DESC",
        "RELEVANCE",
    ]  # fmt: skip


def _document() -> dict[str, Any]:
    from src.main import app  # noqa: PLC0415 - the assembled app, schema and all

    return app.openapi()


def _schemas_with_examples(node: Any, pointer: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and pointer != "#":
            yield pointer, node
        for key, value in node.items():
            if key not in {"examples", "example"}:
                escaped = key.replace("~", "~0").replace("/", "~1")
                yield from _schemas_with_examples(value, f"{pointer}/{escaped}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas_with_examples(value, f"{pointer}/{index}")


def test_every_example_in_the_document_validates_against_its_schema() -> None:
    """What Redocly's `no-invalid-schema-examples` checks, here without Node.js: the examples
    as the document shows them (FastAPI drops nulls from them; the document puts them back)."""
    document = _document()
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}
    found = list(_schemas_with_examples(document))
    assert len(found) > 40  # models and fields alike
    problems = []
    for pointer, schema in found:
        validator = jsonschema_rs.Draft202012Validator(
            {**root, "$ref": quote(pointer, safe="#/~")}, validate_formats=True
        )
        for example in schema["examples"]:
            problems += [f"{pointer}: {error.message}" for error in validator.iter_errors(example)]
    assert problems == []


def test_an_event_example_shows_every_field_null_included() -> None:
    event = _document()["components"]["schemas"]["EventResponse"]
    (example,) = event["examples"]
    assert set(example) == set(event["required"]) == set(event["properties"])
    assert example["deliveredAt"] is None


def _references(node: Any) -> Iterator[str]:
    """The names of the component schemas `node` refers to itself."""
    if isinstance(node, dict):
        reference = node.get("$ref", "")
        if reference.startswith("#/components/schemas/"):
            yield reference.rsplit("/", 1)[1]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _responses(document: dict[str, Any]) -> set[str]:
    """The names of the schemas that successful responses refer to, directly or not."""
    schemas = document["components"]["schemas"]
    successes = [
        response
        for operations in document["paths"].values()
        for operation in operations.values()
        for status, response in operation["responses"].items()
        if status.startswith("2")
    ]
    names: set[str] = set()
    waiting = list(_references(successes))
    while waiting:
        name = waiting.pop()
        if name not in names:
            names.add(name)
            waiting += _references(schemas[name])
    return names


def test_every_field_of_a_response_is_required_as_it_is_always_sent() -> None:
    document = _document()
    schemas = document["components"]["schemas"]
    bodies = [name for name in _responses(document) if "properties" in schemas[name]]
    assert {"TokenPairResponse", "OAuth2TokenResponse", "ProductPage"} <= set(bodies)
    for name in bodies:
        assert set(schemas[name].get("required", ())) == set(schemas[name]["properties"]), name
    assert "tokenType" in schemas["TokenPairResponse"]["required"]
    assert "token_type" in schemas["OAuth2TokenResponse"]["required"]


@pytest.mark.parametrize(
    ("schema", "field", "said"),
    [
        ("RegisterRequest", "role", "`buyer`"),
        ("CreateProductRequest", "currency", "`USD`"),
        ("CreateProductRequest", "description", "empty"),
    ],
)
def test_a_field_the_server_defaults_is_optional_and_has_no_schema_default(
    schema: str, field: str, said: str
) -> None:
    """openapi-typescript makes a field with a `default` required: the default is said in
    words, and the field is left optional."""
    request = _document()["components"]["schemas"][schema]
    assert field not in request.get("required", ())
    assert "default" not in request["properties"][field]
    assert f"Left out: {said}" in request["properties"][field]["description"]


def test_no_request_body_field_has_a_schema_default() -> None:
    schemas = _document()["components"]["schemas"]
    models = models_of(RequestModel)
    assert len(models) > 10
    for model in models:
        for field, property_schema in schemas[model.__name__]["properties"].items():
            assert "default" not in property_schema, f"{model.__name__}.{field}"


def test_an_optional_parameter_is_its_type_alone_not_a_choice_with_null() -> None:
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                assert "anyOf" not in parameter["schema"], (path, method, parameter["name"])


def test_shared_enums_are_named_types_with_constant_names() -> None:
    schemas = _document()["components"]["schemas"]
    assert schemas["OrderStatus"]["x-enum-varnames"] == [
        "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED",
    ]  # fmt: skip
    assert schemas["OrderResponse"]["properties"]["status"] == {
        "$ref": "#/components/schemas/OrderStatus"
    }
    assert {"Role", "SignUpRole", "ProductStatus", "ShipmentStatus", "EventStatus"} <= set(schemas)


def test_a_page_is_named_after_its_items() -> None:
    schemas = _document()["components"]["schemas"]
    assert {"ProductPage", "OrderPage", "UserPage", "EventPage"} <= set(schemas)
    assert not [name for name in schemas if name.startswith("PageResponse")]


def test_integers_have_a_width_and_bounds_and_money_is_64_bit() -> None:
    schemas = _document()["components"]["schemas"]
    price = schemas["ProductResponse"]["properties"]["price"]
    assert price["format"] == "int64"
    assert price["maximum"] == catalog_schemas.MAX_PRICE
    assert type(price["maximum"]) is int  # exactly, not FastAPI's float
    # A count may be any 64-bit integer: below 2⁶³, which (unlike 2⁶³ − 1) a float holds.
    revenue = schemas["ProductOrdersResponse"]["properties"]["revenue"]
    assert revenue["exclusiveMaximum"] == 2**63
    assert revenue["format"] == "int64"
    assert schemas["OrderLineRequest"]["properties"]["quantity"]["format"] == "int32"
    assert schemas["OrderResponse"]["properties"]["total"]["format"] == "int64"


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("-createdAt", "CREATED_AT_DESC"),
        ("pendingPayment", "PENDING_PAYMENT"),
        ("order.paid", "ORDER_PAID"),
        ("inProgress", "IN_PROGRESS"),
        ("2fa", "VALUE_2FA"),
    ],
)
def test_an_enum_value_has_a_readable_constant_name(value: str, name: str) -> None:
    assert constant_name(value) == name
