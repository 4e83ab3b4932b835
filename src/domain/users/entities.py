"""Users, their roles, and the refresh tokens of their logins."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from src.domain.entities import Entity


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    ADMIN = "admin"


class User(Entity):
    id: UUID
    email: str
    full_name: str
    role: Role
    created_at: datetime
    updated_at: datetime


class Credentials(Entity):
    """What a login is checked against; kept apart from `User` so no hash travels with it."""

    user_id: UUID
    role: Role
    password_hash: str


class Principal(Entity):
    """Who is making a request, as their access token says."""

    user_id: UUID
    role: Role


class RefreshToken(Entity):
    id: UUID
    user_id: UUID
    family_id: UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenPair(Entity):
    """What a login or a refresh hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
