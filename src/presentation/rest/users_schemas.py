"""HTTP models of accounts and authentication."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Form
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from src.domain.users import TokenPair, User
from src.domain.users.rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from src.presentation.rest.schemas import (
    ApiModel,
    Omitted,
    PageCursor,
    PageLimit,
    PatchModel,
    RequestModel,
    text,
)

# Example passwords for the docs (named so no scanner mistakes them for credentials).
_SAMPLE_PHRASE = "correct horse battery"
_NEW_SAMPLE_PHRASE = "a new long password"

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
    text(200),
    Field(examples=["Ada Lovelace"]),
]
Email = Annotated[
    EmailStr,
    Field(
        max_length=320,
        description="An address mail can reach: one on a special-use domain (RFC 6761:"
        " `.test`, `.local`, `.localhost`, `.invalid`, `.onion`, `.arpa`) → 422",
        examples=["ada@example.com"],
    ),
]
RefreshTokenValue = Annotated[str, Field(min_length=1, max_length=512)]


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
    role: Literal["buyer", "seller"] = Field(
        default="buyer", description="`admin` cannot be chosen here"
    )


class LoginRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@example.com", "password": _SAMPLE_PHRASE}]}
    )

    email: Annotated[str, Field(min_length=1, max_length=320, examples=["ada@example.com"])]
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
    email: str = Field(examples=["ada@example.com"])
    full_name: str = Field(examples=["Ada Lovelace"])
    role: Literal["buyer", "seller", "admin"]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> "UserResponse":
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role.value,
            created_at=user.created_at,
        )


class TokenPairResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "accessToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOi...",
                    "refreshToken": "5n1Z_1BA304scf_o5xKnBSwuvVQgR2L7tnHx5c8qfjs",
                    "tokenType": "bearer",
                    "expiresIn": 900,
                }
            ]
        }
    )

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, no secret
    expires_in: int = Field(description="Seconds until the access token expires", examples=[900])

    @classmethod
    def of(cls, pair: TokenPair) -> "TokenPairResponse":
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )


class OAuth2TokenForm:
    """The OAuth2 password grant's form (RFC 6749, section 4.3.2), as the docs' Authorize
    button sends it.

    FastAPI's `OAuth2PasswordRequestForm` documents less than it refuses: a form cannot tell an
    empty field from a missing one, so an empty `username` or `password` is "Field required";
    and a form has no null, so its nullable `grant_type` arrives as the text "null" and fails
    its pattern. Here both are in the schema: non-empty credentials, and a `grant_type` that is
    `password` or left out.
    """

    def __init__(
        self,
        *,
        username: Annotated[str, Form(min_length=1, description="Your email")],
        password: Annotated[str, Form(min_length=1, json_schema_extra={"format": "password"})],
        grant_type: Annotated[str, Form(pattern="^password$")] = "password",
        scope: Annotated[str, Form(description="Ignored: no scopes")] = "",
        client_id: Annotated[str, Form(description="Ignored: public client")] = "",
        client_secret: Annotated[str, Form(description="Ignored: public client")] = "",
    ) -> None:
        self.username = username
        self.password = password


class OAuth2TokenResponse(BaseModel):
    """The OAuth2 (RFC 6749) token response: the one snake_case body of the API."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, no secret
    expires_in: int
