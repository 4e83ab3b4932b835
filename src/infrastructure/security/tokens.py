"""Access tokens (short-lived JWTs) and refresh tokens (opaque random strings).

The JWT algorithm is pinned: a token is only accepted when signed with the configured one,
so `alg: none` and algorithm-confusion tokens are refused. `exp`, `iat` and `sub` are required.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt

from src.infrastructure.errors import Unauthorized

_ACCESS = "access"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says about its bearer."""

    subject: UUID
    role: str
    expires_at: datetime


def _invalid_token() -> Unauthorized:
    return Unauthorized("The access token is invalid or has expired")


class TokenCodec:
    """Signs and verifies access tokens; mints and fingerprints refresh tokens."""

    def __init__(self, *, secret: str, algorithm: str, access_ttl: int) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self.access_ttl = access_ttl

    def issue_access(self, *, subject: UUID, role: str, now: datetime) -> str:
        """A signed access token for `subject`, valid for `access_ttl` seconds from `now`."""
        claims: dict[str, Any] = {
            "sub": str(subject),
            "role": role,
            "typ": _ACCESS,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=self.access_ttl),
            "jti": uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=self._algorithm)

    def decode_access(self, token: str) -> AccessClaims:
        """The claims of a valid access token; `Unauthorized` for anything else."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={"require": ["exp", "iat", "sub"]},
            )
            subject = UUID(claims["sub"])
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise _invalid_token() from error
        role = claims.get("role")
        if claims.get("typ") != _ACCESS or not isinstance(role, str):
            raise _invalid_token()
        return AccessClaims(
            subject=subject, role=role, expires_at=datetime.fromtimestamp(claims["exp"], UTC)
        )

    @staticmethod
    def new_refresh_token() -> str:
        """A fresh, unguessable refresh token."""
        return secrets.token_urlsafe(32)

    @staticmethod
    def fingerprint(refresh_token: str) -> str:
        """The SHA-256 stored in place of a refresh token."""
        return hashlib.sha256(refresh_token.encode()).hexdigest()
