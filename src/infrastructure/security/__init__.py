"""Password hashing and tokens."""

from src.infrastructure.security.passwords import PasswordHasher
from src.infrastructure.security.tokens import AccessClaims, TokenCodec

__all__ = ["AccessClaims", "PasswordHasher", "TokenCodec"]
