"""The OpenAPI document, with every error response described as problem details."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from src.infrastructure.web.openapi_components import complete_document
from src.infrastructure.web.problems import PROBLEM_JSON


class ProblemFieldError(BaseModel):
    loc: list[str | int] = Field(examples=[["body", "password"]])
    message: str = Field(examples=["String should have at least 8 characters"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank")
    title: str = Field(examples=["Conflict"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["An account with this email already exists"])
    code: str = Field(examples=["emailTaken"], description="Stable, machine-readable")
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="Present on validation failures"
    )


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _describe_errors_as_problems(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}


def install_openapi(app: FastAPI) -> None:
    """Build the schema once, on first request, with problem-details error responses."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            _describe_errors_as_problems(schema)
            complete_document(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
