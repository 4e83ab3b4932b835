"""Users, roles, credentials and refresh tokens."""

from src.domain.users.entities import (
    Credentials,
    Principal,
    RefreshToken,
    Role,
    TokenPair,
    User,
)
from src.domain.users.repository import RefreshTokenRepository, UserRepository

__all__ = [
    "Credentials",
    "Principal",
    "RefreshToken",
    "RefreshTokenRepository",
    "Role",
    "TokenPair",
    "User",
    "UserRepository",
]
