"""RFC 9457 problem details for every error, validation included.

One table maps the error hierarchy to HTTP statuses; errors themselves know nothing of HTTP.
Unexpected exceptions are answered by `RequestContextMiddleware` with a bare 500.
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from src.infrastructure.errors import (
    AppError,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PaymentDeclined,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
    ValidationFailed,
)

PROBLEM_JSON = "application/problem+json"
# Bounds on what a problem echoes of the request, so that its size does not grow with the
# body's: a body of ten thousand unknown fields is refused with the first fields only.
MAX_FIELD_ERRORS = 100
MAX_PROBLEM_TEXT = 1000
# What FastAPI says of a request body it cannot decode at all.
_UNPARSABLE_BODY = "There was an error parsing the body"

STATUS_BY_ERROR: dict[type[AppError], int] = {
    Unauthorized: 401,
    PaymentDeclined: 402,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Unprocessable: 422,
    RateLimited: 429,
    ServiceUnavailable: 503,
}

CODE_BY_STATUS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    405: "methodNotAllowed",
    406: "notAcceptable",
    409: "conflict",
    413: "payloadTooLarge",
    415: "unsupportedMediaType",
    422: "validationError",
    429: "rateLimited",
    500: "internalError",
    503: "serviceUnavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem-details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail[:MAX_PROBLEM_TEXT],
        "code": code or CODE_BY_STATUS.get(status, "error"),
    }
    if errors is not None:
        body["errors"] = [_bounded(error) for error in errors[:MAX_FIELD_ERRORS]]
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _bounded(error: dict[str, Any]) -> dict[str, Any]:
    loc = [part[:MAX_PROBLEM_TEXT] if isinstance(part, str) else part for part in error["loc"]]
    return {"loc": loc[:32], "message": str(error["message"])[:MAX_PROBLEM_TEXT]}


def status_for(error: AppError) -> int:
    """The HTTP status of a domain error: the nearest class in the table wins."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def _field_errors(errors: list[FieldError]) -> list[dict[str, Any]]:
    return [{"loc": list(error.loc), "message": error.message} for error in errors]


async def _app_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, AppError):  # registered for it only
        raise error
    return problem_for(error)


def problem_for(error: AppError) -> JSONResponse:
    """The problem-details response that answers `error`."""
    headers: dict[str, str] = {}
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimited | ServiceUnavailable) and error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    errors = None
    if isinstance(error, Unprocessable) and (error.errors or isinstance(error, ValidationFailed)):
        errors = _field_errors(error.errors)
    return problem(status_for(error), error.detail, code=error.code, errors=errors, headers=headers)


def _location(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def _untagged(errors: Sequence[Any]) -> list[Any]:
    """Errors of a field that may be left out but never null (`X | Omitted`) as X's alone.

    Pydantic checks such a field as a union: a bad value fails once per member, each error's
    location tagged with the member (`["body", "price", "function-before[…]"]`, and `"none"`
    for the left-out member). The client sent a value for the field, so only X's errors
    matter, at the field's own location."""
    unions = {
        tuple(item["loc"][:-1])
        for item in errors
        if item["type"] == "none_required" and item["loc"] and item["loc"][-1] == "none"
    }
    if not unions:
        return list(errors)
    kept = []
    for item in errors:
        loc = tuple(item["loc"])
        if item["type"] == "none_required" and loc[:-1] in unions:
            continue
        prefix = next((each for each in unions if loc[: len(each)] == each), None)
        if prefix is not None and len(loc) > len(prefix):
            loc = prefix + loc[len(prefix) + 1 :]
        kept.append({**item, "loc": loc})
    return kept


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):  # registered for it only
        raise error
    errors = [
        {"loc": _location(item["loc"]), "message": item["msg"]}
        for item in _untagged(error.errors())
    ]
    return problem(422, "The request is not valid", code="validationError", errors=errors)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, HTTPException):  # registered for it only
        raise error
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    headers = dict(error.headers or {})
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    if error.status_code == HTTPStatus.BAD_REQUEST and detail == _UNPARSABLE_BODY:
        # A body that is not even text (not UTF-8) is malformed JSON like any other: 422.
        errors = [{"loc": ["body"], "message": "the body is not valid UTF-8 JSON"}]
        return problem(422, "The request body is not valid JSON", code="validationError",
                       errors=errors)  # fmt: skip
    return problem(error.status_code, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the path answers (RFC 9110), not only those of the first matching route.

    The router stops at the first route whose path matches, so the documented operations of
    every path template that matches are gathered instead.
    """
    app: FastAPI = request.app
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        if compile_path(template)[0].fullmatch(request.url.path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with problem details."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
