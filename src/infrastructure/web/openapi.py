"""The OpenAPI document, saying exactly what the server answers.

Routers declare what is theirs: their bodies, their parameters and the errors their
operations raise. What every operation shares is added here, from what the middleware and
the error handlers really do, so an operation added later is documented the same way:

- every operation's id is its function's name in camelCase (`place_order` → `placeOrder`),
  and its summary the first line of its docstring;
- every error is a problem-details body, an unexpected failure (500) included;
- every response carries `X-Request-ID`; under the API prefix every response but an
  unexpected failure also carries the `RateLimit-*` headers, and every operation may answer
  429 (with `Retry-After`) and 503 when the database does not answer;
- a protected operation's OAuth2 scopes are the roles that may call it, any one of them;
  it may answer 401 (with `WWW-Authenticate`); a public one says
  `security: []`; any operation may answer 413 (a body over the limit, whatever the method);
- a 201 carries `Location`; an operation taking an `Idempotency-Key` says `Idempotent-Replayed`;
- an operation answering a resource (or a page or list of them) links to every operation
  that takes that resource's id, or the id of another it names (a product's `sellerId`), in
  its path or (after its example) in its body, so tools can follow real ids (OpenAPI `links`).
"""

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Annotated, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel, to_snake

from src.infrastructure.web.openapi_components import complete_document
from src.infrastructure.web.problems import MAX_FIELD_ERRORS, MAX_PROBLEM_TEXT, PROBLEM_JSON

Json = dict[str, Any]

_SCHEMAS = "#/components/schemas/"
_HEADERS = "#/components/headers/"
_PROBLEM_REF = {"$ref": f"{_SCHEMAS}Problem"}
_METHODS = ("get", "put", "post", "patch", "delete")
Text = Annotated[str, Field(max_length=MAX_PROBLEM_TEXT)]


class ProblemFieldError(BaseModel):
    """One field that did not validate."""

    loc: list[Annotated[str, Field(max_length=MAX_PROBLEM_TEXT)] | int] = Field(
        max_length=32, examples=[["body", "password"]], description="Where: body, query, path"
    )
    message: Text = Field(examples=["String should have at least 8 characters"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: Annotated[str, Field(max_length=100, json_schema_extra={"format": "uri-reference"})]
    title: Annotated[str, Field(max_length=100, examples=["Conflict"])]
    status: Annotated[int, Field(ge=400, le=599, examples=[409])]
    detail: Text = Field(examples=["An account with this email already exists"])
    code: Annotated[
        str, Field(max_length=64, pattern="^[a-z][A-Za-z]*$", examples=["emailTaken"])
    ] = Field(description="Stable, machine-readable")
    errors: list[ProblemFieldError] = Field(
        max_length=MAX_FIELD_ERRORS,
        description=f"Present on validation failures only: the first {MAX_FIELD_ERRORS} "
        "fields that did not validate",
    )


def _problem_schemas() -> Json:
    schema = Problem.model_json_schema(ref_template=_SCHEMAS + "{model}")
    definitions: Json = schema.pop("$defs", {})
    schema["required"].remove("errors")  # sent on validation failures only
    schema["properties"]["status"]["format"] = "int32"
    index = definitions["ProblemFieldError"]["properties"]["loc"]["items"]["anyOf"][1]
    index |= {"format": "int32", "minimum": 0, "maximum": 1_048_576}  # within a 1 MiB body
    return definitions | {"Problem": schema}


_RATE_LIMIT_HEADERS = (
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
)
_COUNT: Json = {"type": "integer", "format": "int32", "minimum": 0, "maximum": 2_147_483_647}
_HEADER_DEFINITIONS: Json = {
    "RateLimit-Limit": ("Requests allowed in the current window", _COUNT),
    "RateLimit-Remaining": ("Requests left in the current window", _COUNT),
    "RateLimit-Reset": ("Seconds until the window resets", _COUNT),
    "RateLimit-Policy": (
        "The limits that apply, as `requests;w=seconds`, comma-separated",
        {"type": "string", "maxLength": 200, "pattern": r"^\d+;w=\d+(, \d+;w=\d+)*$"},
    ),
    "X-Request-ID": (
        "This request's id, as in every log line about it: the client's `X-Request-ID` "
        "when it sent a valid one, else a new one",
        {"type": "string", "maxLength": 128, "pattern": r"^[A-Za-z0-9._:\-]{1,128}$"},
    ),
    "Retry-After": ("Seconds to wait before trying again", _COUNT),
    "Location": (
        "The path of the created resource",
        {"type": "string", "format": "uri-reference", "maxLength": 200},
    ),
    "WWW-Authenticate": ("How to authenticate", {"type": "string", "enum": ["Bearer"]}),
    "Idempotent-Replayed": (
        "Sent, as `true`, when this is the stored answer to an earlier request with the same "
        "Idempotency-Key",
        {"type": "string", "enum": ["true"]},
    ),
    "Access-Control-Allow-Origin": (
        "Sent to a browser whose `Origin` is one of `HTTP__CORS_ORIGINS` (none by default)",
        {"type": "string", "format": "uri", "maxLength": 200},
    ),
}


def _header_components() -> Json:
    return {
        name: {"description": description, "schema": schema}
        for name, (description, schema) in _HEADER_DEFINITIONS.items()
    }


_DATABASE_UNAVAILABLE = "The database is not answering; try again shortly"
_UNEXPECTED = "An unexpected error; it is logged with the request's id"


def _problem_response(description: str) -> Json:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}


def _operations(schema: Json) -> Iterator[tuple[str, Json]]:
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                yield path, item[method]


def _response_headers(status: str, *, counted: bool, replayable: bool) -> list[str]:
    """The headers a response with `status` carries."""
    names = ["X-Request-ID", "Access-Control-Allow-Origin"]
    if counted and status != "500":  # an unexpected failure is answered outside the limiter
        names += _RATE_LIMIT_HEADERS
    if status in ("429", "503"):
        names.append("Retry-After")
    if status == "401":
        names.append("WWW-Authenticate")
    if status == "201":
        names.append("Location")
    if replayable and status.startswith("2"):
        names.append("Idempotent-Replayed")
    return names


def _describe_shared_responses(schema: Json, *, api_prefix: str) -> None:
    for path, operation in _operations(schema):
        responses: Json = operation.setdefault("responses", {})
        counted = path.startswith(api_prefix)
        if operation.get("security"):
            responses.setdefault("401", _problem_response("Missing, expired or revoked token"))
        else:
            operation["security"] = []
        # Any request, whatever its method, is refused if its body is over the limit.
        responses.setdefault("413", _problem_response("The request body is too large"))
        if counted:
            responses.setdefault("429", _problem_response("Too many requests; slow down"))
            responses.setdefault("503", _problem_response(_DATABASE_UNAVAILABLE))
        responses["500"] = _problem_response(_UNEXPECTED)
        parameters = operation.get("parameters", [])
        replayable = any(parameter["name"] == "Idempotency-Key" for parameter in parameters)
        for status, response in responses.items():
            if status[0] in "45":
                response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
            names = _response_headers(status, counted=counted, replayable=replayable)
            response["headers"] = {name: {"$ref": _HEADERS + name} for name in names}


def _scopes_as_alternatives(schema: Json) -> None:
    """An operation's scopes are the roles that may call it, any one of them: OpenAPI says
    "any one" with one security requirement per scope ("all of them" with a list)."""
    for _path, operation in _operations(schema):
        operation["security"] = [
            {scheme: [scope]} if scopes else {scheme: []}
            for requirement in operation.get("security", [])
            for scheme, scopes in requirement.items()
            for scope in scopes or [None]
        ]


def _optional_parameters_without_null(schema: Json) -> None:
    """A parameter left out is absent, never `null` (a query string cannot say null)."""
    for _path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            options = parameter.get("schema", {}).get("anyOf")
            if parameter.get("required") or not isinstance(options, list):
                continue
            rest = [option for option in options if option != {"type": "null"}]
            if len(rest) == 1:
                outer = {
                    k: v for k, v in parameter["schema"].items() if k not in ("anyOf", "default")
                }
                parameter["schema"] = rest[0] | outer


def _resource_of(response_schema: Json, schemas: Json) -> tuple[str, str] | None:
    """The resource a response answers, and where its id is: (`ProductResponse`, `/id`) for
    a product, (`ProductResponse`, `/items/0/id`) for a page or list of them."""
    reference = response_schema.get("$ref", "")
    name = reference.removeprefix(_SCHEMAS)
    properties = schemas.get(name, {}).get("properties", {})
    if "id" in properties:
        return name, "/id"
    items = properties.get("items", {}).get("items", {}).get("$ref", "")
    item_name = items.removeprefix(_SCHEMAS)
    if "id" in schemas.get(item_name, {}).get("properties", {}):
        return item_name, "/items/0/id"
    return None


def _request_example(operation: Json, schemas: Json) -> Any:
    """The first example of an operation's JSON request body, if its schema has one."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    name = body.get("schema", {}).get("$ref", "").removeprefix(_SCHEMAS)
    examples = schemas.get(name, {}).get("examples") or [None]
    return examples[0]


def _id_keys(node: Any) -> set[str]:
    """The keys, anywhere in a request body, that hold a resource's id (`productId`)."""
    if isinstance(node, list):
        return {key for item in node for key in _id_keys(item)}
    if not isinstance(node, dict):
        return set()
    own = {key for key, value in node.items() if key.endswith("Id") and isinstance(value, str)}
    return own | {key for value in node.values() for key in _id_keys(value)}


def _with_id(node: Any, key: str, expression: str) -> Any:
    """`node` with every value at `key` replaced by `expression`."""
    if isinstance(node, list):
        return [_with_id(item, key, expression) for item in node]
    if isinstance(node, dict):
        return {
            name: expression if name == key else _with_id(value, key, expression)
            for name, value in node.items()
        }
    return node


def _in_path(name: str, expression: str) -> Json:
    return {"parameters": {name: expression}}


def _in_body(example: Any, key: str, expression: str) -> Json:
    return {"requestBody": _with_id(example, key, expression)}


def _id_takers(schema: Json) -> dict[str, list[tuple[str, Callable[[str], Json]]]]:
    """By id parameter (`product_id`), the operations that take one and how: in their path
    (`/products/{product_id}`), or in their body, per the body's example (`productId` in an
    order's items), so that a link can send the example with the real id in its place."""
    schemas = schema.get("components", {}).get("schemas", {})
    takers: dict[str, list[tuple[str, Callable[[str], Json]]]] = {}
    for path, operation in _operations(schema):
        target = operation["operationId"]
        for name in re.findall(r"{(\w+_id)}", path):
            takers.setdefault(name, []).append((target, partial(_in_path, name)))
        example = _request_example(operation, schemas)
        for key in sorted(_id_keys(example)):
            takers.setdefault(to_snake(key), []).append((target, partial(_in_body, example, key)))
    return takers


def _link_resources(schema: Json) -> None:
    """Links from each operation answering a resource to those taking its id.

    `ProductResponse` is a product, whose id operations take as `{product_id}` in their path
    or as `productId` in their body.
    """
    schemas = schema.get("components", {}).get("schemas", {})
    takers = _id_takers(schema)
    paths = {operation["operationId"]: path for path, operation in _operations(schema)}
    for _path, operation in _operations(schema):
        for status, response in operation.get("responses", {}).items():
            body = response.get("content", {}).get("application/json", {}).get("schema", {})
            resource = _resource_of(body, schemas) if status in ("200", "201") else None
            if resource is None:
                continue
            name, pointer = resource
            parameter = f"{to_snake(name.removesuffix('Response'))}_id"
            links = {
                target: {"operationId": target} | link(f"$response.body#{pointer}")
                for target, link in takers.get(parameter, [])
                if target != operation["operationId"] or pointer != "/id"
            }
            # The ids of other resources it names (a product's `sellerId`, a review's
            # `productId`) lead to the operations taking those.
            item = pointer.removesuffix("/id")
            for key in sorted(schemas.get(name, {}).get("properties", {})):
                if key.endswith("Id"):
                    for target, link in takers.get(to_snake(key), []):
                        links.setdefault(
                            target, {"operationId": target} | link(f"$response.body#{item}/{key}")
                        )
            for target, made in links.items():
                _name_members(made, paths[target], schemas.get(name, {}), item)
            if links:
                response["links"] = links


def _name_members(link: Json, path: str, resource: Json, item: str) -> None:
    """A link to a member of the resource (`/carts/{cart_id}/items/{item_id}`) also names the
    member: the first of the resource's list of them (`items`), so that a tool following it
    asks for one that exists rather than an id of its own."""
    parameters = link.get("parameters")
    if parameters is None:
        return
    properties = resource.get("properties", {})
    for name in re.findall(r"{(\w+)_id}", path):
        members = f"{to_camel(name)}s"
        if f"{name}_id" not in parameters and properties.get(members, {}).get("type") == "array":
            parameters[f"{name}_id"] = f"$response.body#{item}/{members}/0/id"


def operation_id(route: APIRoute) -> str:
    """An operation's id: its function's name in camelCase, stable across path renames."""
    return to_camel(route.name)


def _summarize(schema: Json) -> None:
    """Each operation's summary is its docstring's first line; the rest is its description."""
    for _path, operation in _operations(schema):
        first, _, rest = operation.get("description", "").partition("\n")
        if first:
            operation["summary"] = first.strip().removesuffix(".")
            operation["description"] = rest.strip()
        if not operation["description"]:
            del operation["description"]


def install_openapi(app: FastAPI, *, api_prefix: str, servers: list[Json]) -> None:
    """Build the document once, on first request."""

    def openapi() -> Json:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=servers,
                contact=app.contact,
                license_info=app.license_info,
            )
            components = schema.setdefault("components", {})
            component_schemas = components.setdefault("schemas", {})
            component_schemas.pop("HTTPValidationError", None)
            component_schemas.pop("ValidationError", None)
            component_schemas.update(_problem_schemas())
            components["headers"] = _header_components()
            _summarize(schema)
            _scopes_as_alternatives(schema)
            _describe_shared_responses(schema, api_prefix=api_prefix)
            _optional_parameters_without_null(schema)
            _link_resources(schema)
            complete_document(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
