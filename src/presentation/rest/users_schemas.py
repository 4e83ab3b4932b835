"""HTTP models of accounts and authentication."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from src.domain.users import Role, TokenPair, User
from src.domain.users.rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from src.presentation.rest.schemas import (
    INT64_MAX,
    NO_NUL,
    ApiModel,
    Documented,
    Omitted,
    PageCursor,
    PageLimit,
    PatchModel,
    RequestModel,
    sent_integer,
    sent_text,
    server_default,
    text,
)

# Example passwords for the docs (named so no scanner mistakes them for credentials).
_SAMPLE_PHRASE = "correct horse battery"
_NEW_SAMPLE_PHRASE = "a new long password"

MAX_FULL_NAME: Final = 200
MAX_EMAIL: Final = 320
# A signed JWT of a few claims is about 200 characters; the bound is generous.
MAX_ACCESS_TOKEN: Final = 4096
MAX_REFRESH_TOKEN: Final = 512
BASE64URL: Final = r"^[A-Za-z0-9_-]+$"
JWT: Final = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$"
Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        examples=[_SAMPLE_PHRASE],
    ),
]
FullName = Annotated[
    str,
    text(MAX_FULL_NAME),
    Field(examples=["Ada Lovelace"]),
]
Email = Annotated[
    EmailStr,
    Field(
        max_length=MAX_EMAIL,
        description="An address mail can reach: one on a special-use domain (RFC 6761:"
        " `.test`, `.local`, `.localhost`, `.invalid`, `.onion`, `.arpa`) → 422",
        examples=["ada@example.com"],
    ),
]
RefreshTokenValue = Annotated[str, Field(min_length=1, max_length=MAX_REFRESH_TOKEN)]
# What a response holds: the tokens the server issued, and the seconds until one expires.
AccessToken = Annotated[str, Documented(minLength=1, maxLength=MAX_ACCESS_TOKEN, pattern=JWT)]
IssuedRefreshToken = Annotated[
    str, Documented(minLength=1, maxLength=MAX_REFRESH_TOKEN, pattern=BASE64URL)
]
ExpiresIn = Annotated[int, sent_integer(1, INT64_MAX)]


class SignUpRole(StrEnum):
    """The roles anyone may register with: `admin` accounts are made by an admin script."""

    BUYER = Role.BUYER.value
    SELLER = Role.SELLER.value


class RegisterRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "password": _SAMPLE_PHRASE,
                    "fullName": "Ada Lovelace",
                    "role": "seller",
                }
            ]
        }
    )

    email: Email
    password: Password
    full_name: FullName
    role: SignUpRole = server_default(SignUpRole.BUYER.value, "`admin` cannot be chosen here.")


class LoginRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@example.com", "password": _SAMPLE_PHRASE}]}
    )

    email: Annotated[
        str, Field(min_length=1, max_length=320, pattern=NO_NUL, examples=["ada@example.com"])
    ]
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class RefreshRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refreshToken": "5n1Z_1BA304scf_o5xKnBSwuvVQgR2L7tnHx5c8qfjs"}]
        }
    )

    refresh_token: RefreshTokenValue


class UpdateMeRequest(PatchModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"fullName": "Ada King", "password": _NEW_SAMPLE_PHRASE}]}
    )

    full_name: FullName | Omitted = None
    password: Password | Omitted = None


class UserListQuery(ApiModel):
    """What `GET /users` accepts in its query string."""

    limit: PageLimit = 20
    cursor: PageCursor = None


class UserResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                    "email": "ada@example.com",
                    "fullName": "Ada Lovelace",
                    "role": "seller",
                    "createdAt": "2026-11-22T17:00:24.934934Z",
                }
            ]
        }
    )

    id: UUID
    email: Annotated[str, Documented(maxLength=MAX_EMAIL, format="email")] = Field(
        examples=["ada@example.com"]
    )
    full_name: Annotated[str, sent_text(MAX_FULL_NAME)] = Field(examples=["Ada Lovelace"])
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> "UserResponse":
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            created_at=user.created_at,
        )


class TokenPairResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "accessToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
                    ".eyJzdWIiOiI0OTEzMGI4MSJ9.c2lnbmF0dXJl",
                    "refreshToken": "5n1Z_1BA304scf_o5xKnBSwuvVQgR2L7tnHx5c8qfjs",
                    "tokenType": "bearer",
                    "expiresIn": 900,
                }
            ]
        }
    )

    access_token: AccessToken
    refresh_token: IssuedRefreshToken
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, no secret
    expires_in: ExpiresIn = Field(
        description="Seconds until the access token expires", examples=[900]
    )

    @classmethod
    def of(cls, pair: TokenPair) -> "TokenPairResponse":
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )


class OAuth2TokenResponse(BaseModel):
    """The OAuth2 (RFC 6749) token response: the one snake_case body of the API."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    access_token: AccessToken
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, no secret
    expires_in: ExpiresIn = Field(description="Seconds until the access token expires")


class TokenForm(BaseModel):
    """The OAuth2 password flow's form (RFC 6749, section 4.3); fields it does not name, such
    as `scope` or `client_id`, are ignored."""

    model_config = ConfigDict(title="TokenForm")

    username: Annotated[
        str,
        Field(
            min_length=1,
            max_length=320,
            pattern=NO_NUL,
            description="Your email",
            examples=["ada@example.com"],
        ),
    ]
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
    grant_type: Literal["password"] = server_default("password")
