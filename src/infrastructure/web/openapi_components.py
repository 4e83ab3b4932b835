"""What the OpenAPI document says beyond FastAPI's own output, for every operation alike.

`complete_document` runs once on the generated document:

- A schema pydantic named after a generic's parameters (`PageResponse_ProductResponse_`)
  takes the title its model gives it (`ProductPage`, from `model_parametrized_name`).
- Schemas an operation brings in its `openapi_extra` under `SCHEMAS_KEY` (the enums of a
  query model's parameters) move to `components/schemas`, so that a query parameter refers to
  the same named type as a body field does.
- Every string enum among the components gains `x-enum-varnames`, readable constant names for
  generated clients (`-createdAt` → `CREATED_AT_DESC`, `pendingPayment` → `PENDING_PAYMENT`).
- Nulls that FastAPI drops from examples (it writes the document with `exclude_none`) go
  back where the schema requires the property: a required, nullable field shown as null.
- Bounds are written as integers where they are (FastAPI's document model holds them as
  floats: `maximum: 100.0`), so that a bound reads as exactly as it was given; a string
  given only a format that has a longest spelling (a UUID, a date, a timestamp) says it.
- The component schemas are listed by name.
"""

import re
from collections import Counter
from typing import Any, Final

# The key of an operation's `openapi_extra` whose schemas belong in `components/schemas`.
SCHEMAS_KEY: Final = "x-schemas"

# How pydantic names a generic model's schema: `PageResponse[ProductResponse]` is
# `PageResponse_ProductResponse_`.
_GENERIC_NAME: Final = re.compile(r"\w+_\w+_")
_COMPONENTS_PREFIX: Final = "#/components/schemas/"
_BOUNDS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
# The longest text each string format may be, for schemas that give a format only.
_FORMAT_LENGTHS: Final = {"uuid": 36, "date": 10, "date-time": 40}


def complete_document(document: dict[str, Any]) -> None:
    """Complete `document`, in place (see the module's docstring)."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            _collect_schemas(operation.pop(SCHEMAS_KEY, {}), components)
    _name_by_titles(document, components)
    for schema in components.values():
        _name_enum_values(schema)
    for schema in components.values():
        for example in schema.get("examples", ()):
            _restore_nulls(example, schema, components)
    _exact_bounds(document)
    document["components"]["schemas"] = dict(sorted(components.items()))


def _collect_schemas(schemas: dict[str, Any], components: dict[str, Any]) -> None:
    for name, schema in schemas.items():
        known = components.setdefault(name, schema)
        if known != schema:
            raise ValueError(f"Two different schemas are named {name!r}: {known} and {schema}")


def _name_by_titles(document: dict[str, Any], components: dict[str, Any]) -> None:
    titles = Counter(schema.get("title") for schema in components.values())
    renames = {
        name: title
        for name, schema in components.items()
        if _GENERIC_NAME.fullmatch(name)
        and isinstance(title := schema.get("title"), str)
        and title != name
        and title not in components
        and titles[title] == 1
    }
    for old, new in renames.items():
        components[new] = components.pop(old)
    prefix = _COMPONENTS_PREFIX
    _rewrite_references(document, {prefix + old: prefix + new for old, new in renames.items()})


def _rewrite_references(node: Any, references: dict[str, str]) -> None:
    if isinstance(node, list):
        for item in node:
            _rewrite_references(item, references)
    elif isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference in references:
            node["$ref"] = references[reference]
        for value in node.values():
            _rewrite_references(value, references)


def constant_name(value: str) -> str:
    """A readable constant name for an enum value: `-createdAt` → `CREATED_AT_DESC`."""
    descending = value.startswith("-")
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value.removeprefix("-"))
    name = re.sub(r"[^A-Za-z0-9]+", "_", words).strip("_").upper()
    if not name or name[0].isdigit():
        name = f"VALUE_{name}"
    return f"{name}_DESC" if descending else name


def _name_enum_values(schema: dict[str, Any]) -> None:
    values = schema.get("enum")
    if schema.get("type") == "string" and isinstance(values, list):
        names = [constant_name(value) for value in values]
        if len(set(names)) != len(names):
            raise ValueError(f"Enum values {values} do not have distinct constant names")
        schema["x-enum-varnames"] = names


def _exact_bounds(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _exact_bounds(item)
    elif isinstance(node, dict):
        length = _FORMAT_LENGTHS.get(node.get("format", ""))
        if length is not None and node.get("type") == "string":
            node.setdefault("maxLength", length)
        for key, value in node.items():
            if key in _BOUNDS and isinstance(value, float) and value.is_integer():
                node[key] = int(value)
            elif key not in {"example", "examples"}:
                _exact_bounds(value)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref", "")
    if reference.startswith(_COMPONENTS_PREFIX):
        return _resolve(components[reference.removeprefix(_COMPONENTS_PREFIX)], components)
    return schema


def _allows_null(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    schema = _resolve(schema, components)
    kinds = schema.get("type")
    return (
        kinds == "null"
        or (isinstance(kinds, list) and "null" in kinds)
        or any(_allows_null(choice, components) for choice in schema.get("anyOf", ()))
    )


def _restore_nulls(example: Any, schema: dict[str, Any], components: dict[str, Any]) -> None:
    schema = _resolve(schema, components)
    if isinstance(example, list) and isinstance(schema.get("items"), dict):
        for item in example:
            _restore_nulls(item, schema["items"], components)
        return
    if not isinstance(example, dict):
        return
    for choice in schema.get("anyOf", ()):
        _restore_nulls(example, choice, components)
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in example and _allows_null(properties.get(name, {}), components):
            example[name] = None
    for name, value in example.items():
        if name in properties:
            _restore_nulls(value, properties[name], components)
