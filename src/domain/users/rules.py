"""Account rules: plain functions, testable without a database."""

from uuid import UUID

from pydantic import validate_email
from pydantic_core import PydanticCustomError

from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import FieldError, Forbidden, ValidationFailed

MIN_PASSWORD_LENGTH = 8
# Argon2 hashes any length, but hashing megabytes per request is a denial-of-service lever.
MAX_PASSWORD_LENGTH = 256
SELF_SERVICE_ROLES = frozenset({Role.BUYER, Role.SELLER})


def check_email(email: str, *, field: str = "email") -> str:
    """The email in its canonical spelling (domain lower-cased); refused if malformed."""
    try:
        return validate_email(email.strip())[1]
    except PydanticCustomError as error:
        raise ValidationFailed(
            "The email address is not valid", errors=[FieldError(("body", field), str(error))]
        ) from error


def normalize_email(email: str) -> str:
    """The form emails are compared in: trimmed and lower-cased."""
    return email.strip().lower()


def check_password(password: str, *, field: str = "password") -> None:
    """Refuse a password that breaks the password rule."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            "The password does not meet the password rule",
            errors=[
                FieldError(
                    ("body", field),
                    f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
                )
            ],
        )


def check_self_service_role(role: Role) -> None:
    """Anyone may register as a buyer or a seller; admins are only made by an operator."""
    if role not in SELF_SERVICE_ROLES:
        raise ValidationFailed(
            "This role cannot be chosen at registration",
            errors=[FieldError(("body", "role"), "must be 'buyer' or 'seller'")],
        )


def ensure_admin(principal: Principal) -> None:
    """Only admins may go further."""
    if principal.role is not Role.ADMIN:
        raise Forbidden("Only administrators may do this")


def ensure_seller(principal: Principal, *, detail: str = "Only sellers may do this") -> None:
    """Only sellers may go further."""
    if principal.role is not Role.SELLER:
        raise Forbidden(detail)


def can_see_user(principal: Principal, user_id: UUID) -> bool:
    """A user sees their own account; administrators see every account."""
    return principal.role is Role.ADMIN or principal.user_id == user_id
