"""The OpenAPI document says what the server answers, in words tools and clients can use."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

API = "/api/v1"
Json = dict[str, Any]


@pytest.fixture(scope="module")
def document() -> Json:
    from src.main import app  # noqa: PLC0415 - the assembled app, schema and all

    return app.openapi()


def _operations(document: Json) -> Iterator[tuple[str, str, Json]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def _header_names(response: Json) -> set[str]:
    return {reference["$ref"].rpartition("/")[2] for reference in response["headers"].values()}


def test_operation_ids_are_the_functions_names_in_camel_case_and_unique(document: Json) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-zA-Z]*", operation_id) for operation_id in ids), ids
    assert {"listProducts", "placeOrder", "readCurrentUser", "logIn", "issueToken"} <= set(ids)


def test_summaries_are_sentences_not_function_names(document: Json) -> None:
    for _, _, operation in _operations(document):
        words = re.sub(r"(?<!^)([A-Z])", r" \1", operation["operationId"]).title()
        summary = operation["summary"]
        assert summary != words, summary
        assert summary[0].isupper(), summary
        assert not summary.endswith("."), summary
    me = document["paths"][f"{API}/users/me"]["get"]
    assert me["summary"] == "Read the current user"


def test_every_operation_documents_the_statuses_every_route_can_answer(document: Json) -> None:
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        assert "500" in responses, (method, path)
        if path.startswith(API):
            assert {"429", "503"} <= set(responses), (method, path)
            assert "Retry-After" in _header_names(responses["429"])
        if operation["security"]:
            assert "WWW-Authenticate" in _header_names(responses["401"]), (method, path)
        assert "413" in responses, (method, path)  # the body limit holds for every request
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)


def test_public_operations_say_they_need_no_token(document: Json) -> None:
    public = {
        (method, path)
        for method, path, operation in _operations(document)
        if operation["security"] == []
    }
    assert ("get", f"{API}/products") in public
    assert ("post", f"{API}/auth/login") in public
    assert ("post", f"{API}/orders") not in public


def test_responses_declare_the_headers_they_carry(document: Json) -> None:
    place = document["paths"][f"{API}/orders"]["post"]["responses"]
    assert {"Location", "Idempotent-Replayed", "X-Request-ID", "RateLimit-Remaining"} <= (
        _header_names(place["201"])
    )
    health = document["paths"]["/health"]["get"]["responses"]["200"]
    assert "X-Request-ID" in _header_names(health)
    assert "RateLimit-Limit" not in _header_names(health)  # probes are not rate limited
    headers = document["components"]["headers"]
    assert all(
        reference["$ref"].rpartition("/")[2] in headers
        for _, _, operation in _operations(document)
        for response in operation["responses"].values()
        for reference in response["headers"].values()
    )


def test_a_created_or_listed_resource_links_to_the_operations_taking_its_ids(
    document: Json,
) -> None:
    placed = document["paths"][f"{API}/orders"]["post"]["responses"]["201"]["links"]
    assert placed["payOrder"] == {
        "operationId": "payOrder",
        "parameters": {"order_id": "$response.body#/id"},
    }
    assert {"readOrder", "cancelOrder", "shipOrder", "listOrderShipments"} <= set(placed)
    listed = document["paths"][f"{API}/products"]["get"]["responses"]["200"]["links"]
    assert listed["readProduct"]["parameters"] == {"product_id": "$response.body#/items/0/id"}
    assert {"readProductOrders", "countProductShipments"} <= set(listed)
    ordered = listed["placeOrder"]["requestBody"]  # the id goes in the body, after its example
    assert ordered["items"][0]["productId"] == "$response.body#/items/0/id"
    assert ordered["shippingAddress"]["city"]
    shipped = document["paths"][f"{API}/orders/{{order_id}}/shipments"]["post"]["responses"]
    # Its own id, and the ids it names: its order's and its seller's.
    shipment = shipped["201"]["links"]
    assert set(shipment) == {
        "readShipment", "deliverShipment", "readSeller",
        "setSellerCommissionRate", "removeSellerCommissionRate",
        "readOrder", "cancelOrder", "payOrder", "shipOrder", "listOrderShipments",
        "refundOrder", "listRefunds", "readRefund",
    }  # fmt: skip
    assert shipment["readOrder"]["parameters"] == {"order_id": "$response.body#/orderId"}
    assert listed["readSeller"]["parameters"] == {"seller_id": "$response.body#/items/0/sellerId"}
    events = document["paths"][f"{API}/admin/events"]["get"]["responses"]["200"]["links"]
    assert set(events) == {"requeueEvent"}
    ids = {operation["operationId"] for _, _, operation in _operations(document)}
    for _, _, operation in _operations(document):
        for response in operation["responses"].values():
            assert set(response.get("links", {})) <= ids


def test_a_problem_says_which_fields_are_always_sent(document: Json) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    errors = problem["properties"]["errors"]
    assert errors["type"] == "array"
    assert "default" not in errors
    assert "anyOf" not in errors


def test_optional_parameters_are_never_null(document: Json) -> None:
    for method, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            assert "anyOf" not in parameter["schema"], (method, path, parameter["name"])
            assert parameter["schema"].get("format") != "uuid" or parameter["schema"]["maxLength"]
