"""Error classes raised by domain and application code."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failed field: where it is (`("body", "items", 0, "quantity")`) and what is wrong."""

    loc: tuple[str | int, ...]
    message: str


class AppError(Exception):
    """Base of every error a client may be told about."""

    code: str = "error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(AppError):
    """No such resource, or one the caller may not see."""

    code = "notFound"


class Unauthorized(AppError):
    """Missing, malformed, tampered, expired or revoked credentials."""

    code = "unauthorized"


class InvalidCredentials(Unauthorized):
    """Wrong password or unknown email: one answer for both."""

    code = "invalidCredentials"


class Forbidden(AppError):
    """Authenticated, but the role or ownership does not allow the action."""

    code = "forbidden"


class Conflict(AppError):
    """The request conflicts with the current state (`emailTaken`, `invalidState`, ...)."""

    code = "conflict"


class Unprocessable(AppError):
    """Well-formed, but refers to something that cannot be used (`productUnavailable`, ...),
    with the fields at fault when there are any."""

    code = "unprocessable"

    def __init__(
        self, detail: str, *, code: str | None = None, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(detail, code=code)
        self.errors = errors or []


class ValidationFailed(Unprocessable):
    """Input that does not validate, with the failing fields."""

    code = "validationError"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors=errors)


class PaymentDeclined(AppError):
    """The payment provider declined the charge."""

    code = "paymentDeclined"


class PayloadTooLarge(AppError):
    """The request body is larger than allowed."""

    code = "payloadTooLarge"


class UnsupportedMediaType(AppError):
    """The request's body, or a file in it, is not of a type the operation takes."""

    code = "unsupportedMediaType"


class RateLimited(AppError):
    """Too many requests; try again after `retry_after` seconds."""

    code = "rateLimited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    """A dependency (database, payment provider) is not answering; `retry_after` seconds is
    a sensible wait before trying again, when one is known."""

    code = "serviceUnavailable"

    def __init__(
        self, detail: str, *, code: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class ProgrammingError(RuntimeError):
    """A bug in how the code uses an internal API; never caused by a client."""


class Undeliverable(Exception):
    """A failure no retry can mend: an outside service answered, and its answer says that
    asking again changes nothing. An outbox subscriber that raises it has its event
    dead-lettered at once, for an admin to look at, instead of retried for hours."""
