"""One table maps the error hierarchy to HTTP statuses."""

import pytest

from src.infrastructure.errors import (
    AppError,
    Conflict,
    Forbidden,
    InvalidCredentials,
    NotFound,
    PaymentDeclined,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    ValidationFailed,
)
from src.infrastructure.web.problems import status_for


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("x"), 404, "notFound"),
        (Forbidden("x"), 403, "forbidden"),
        (Unauthorized("x"), 401, "unauthorized"),
        (InvalidCredentials("x"), 401, "invalidCredentials"),
        (Conflict("x", code="emailTaken"), 409, "emailTaken"),
        (Unprocessable("x", code="productUnavailable"), 422, "productUnavailable"),
        (ValidationFailed("x"), 422, "validationError"),
        (PaymentDeclined("x"), 402, "paymentDeclined"),
        (RateLimited("x", retry_after=3), 429, "rateLimited"),
        (ServiceUnavailable("x", code="paymentUnavailable"), 503, "paymentUnavailable"),
        (AppError("x"), 500, "error"),
    ],
)
def test_each_error_has_its_status_and_code(error: AppError, status: int, code: str) -> None:
    assert (status_for(error), error.code) == (status, code)
