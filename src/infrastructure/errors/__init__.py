"""The application's error hierarchy.

Errors carry a stable machine-readable `code` and a human `detail`, and no HTTP knowledge:
the web layer maps each class to a status code in one table.
"""

from src.infrastructure.errors.errors import (
    AppError,
    Conflict,
    FieldError,
    Forbidden,
    InvalidCredentials,
    NotFound,
    PayloadTooLarge,
    PaymentDeclined,
    ProgrammingError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    Undeliverable,
    Unprocessable,
    UnsupportedMediaType,
    ValidationFailed,
)

__all__ = [
    "AppError",
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidCredentials",
    "NotFound",
    "PayloadTooLarge",
    "PaymentDeclined",
    "ProgrammingError",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthorized",
    "Undeliverable",
    "Unprocessable",
    "UnsupportedMediaType",
    "ValidationFailed",
]
