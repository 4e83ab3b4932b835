"""User and refresh-token repositories: rows in, domain entities out."""

import operator
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, tuple_, update

from src.domain.pagination import Fetched
from src.domain.users.entities import Credentials, RefreshToken, Role, User
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import RefreshTokensTable, UsersTable
from src.infrastructure.errors import Conflict

_USER_COLUMNS = (
    UsersTable.id,
    UsersTable.email,
    UsersTable.full_name,
    UsersTable.role,
    UsersTable.created_at,
    UsersTable.updated_at,
)
# Built once: a prepared statement's cache key is computed once, not per request.
_USER_BY_ID = select(*_USER_COLUMNS).where(UsersTable.id == bindparam("user_id"))
_INSERT_USER, _INSERT_TOKEN = insert(UsersTable), insert(RefreshTokensTable)
_NEWEST_FIRST = (UsersTable.created_at, UsersTable.id)
_ROW_KEY = operator.attrgetter("created_at", "id")
_USERS_NEWEST_FIRST = (
    select(*_USER_COLUMNS)
    .order_by(*(column.desc() for column in _NEWEST_FIRST))
    .limit(bindparam("limit"))
)
_USERS_NEWEST_FIRST_AFTER = _USERS_NEWEST_FIRST.where(
    tuple_(*_NEWEST_FIRST)
    < tuple_(
        bindparam("after_key", type_=UsersTable.created_at.type),
        bindparam("after_id", type_=UsersTable.id.type),
    )
)


def _email_taken() -> Conflict:
    return Conflict("An account with this email already exists", code="emailTaken")


def _to_user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        role=Role(row.role),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class UserRepository(BaseRepository[UsersTable]):
    table = UsersTable
    conflicts = {"uq_users_email_normalized": _email_taken}  # noqa: RUF012

    async def add(self, user: User, *, email_normalized: str, password_hash: str) -> User:
        """Store a new account; `emailTaken` if another holds the same normalized email."""
        await self._execute(
            _INSERT_USER,
            {
                "id": user.id,
                "email": user.email,
                "email_normalized": email_normalized,
                "full_name": user.full_name,
                "role": user.role.value,
                "password_hash": password_hash,
                "created_at": user.created_at,
                "updated_at": user.updated_at,
            },
        )
        return user

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._execute(_USER_BY_ID, {"user_id": user_id})).one_or_none()
        return None if row is None else _to_user(row)

    async def get_many(self, user_ids: list[UUID]) -> dict[UUID, User]:
        """The stored users among `user_ids`, by id."""
        statement = select(*_USER_COLUMNS).where(UsersTable.id.in_(user_ids))
        return {row.id: _to_user(row) for row in await self._execute(statement)}

    async def find_credentials(self, email_normalized: str) -> Credentials | None:
        statement = select(UsersTable.id, UsersTable.role, UsersTable.password_hash).where(
            UsersTable.email_normalized == email_normalized
        )
        row = (await self._execute(statement)).one_or_none()
        if row is None:
            return None
        return Credentials(user_id=row.id, role=Role(row.role), password_hash=row.password_hash)

    async def find_id_by_email(self, email_normalized: str) -> UUID | None:
        statement = select(UsersTable.id).where(UsersTable.email_normalized == email_normalized)
        return await self._one_or_none(statement)

    async def update(
        self,
        user_id: UUID,
        *,
        updated_at: datetime,
        full_name: str | None = None,
        password_hash: str | None = None,
        role: Role | None = None,
    ) -> User | None:
        """Change the given fields of an account; the account as it is now, None if unknown."""
        values: dict[str, object] = {"updated_at": updated_at}
        if full_name is not None:
            values["full_name"] = full_name
        if password_hash is not None:
            values["password_hash"] = password_hash
        if role is not None:
            values["role"] = role.value
        statement = (
            update(UsersTable)
            .where(UsersTable.id == user_id)
            .values(values)
            .returning(*_USER_COLUMNS)
        )
        row = (await self._execute(statement)).one_or_none()
        return None if row is None else _to_user(row)

    async def list_newest_first(
        self, after: tuple[datetime, UUID] | None, count: int
    ) -> Fetched[User]:
        """Up to `count` users created before the key `after`, newest first."""
        statement = _USERS_NEWEST_FIRST if after is None else _USERS_NEWEST_FIRST_AFTER
        parameters: dict[str, Any] = {"limit": count}
        if after is not None:
            parameters["after_key"], parameters["after_id"] = after
        rows = (await self._execute(statement, parameters)).all()
        return Fetched(rows, _ROW_KEY, _to_users)


async def _to_users(rows: Sequence[Any]) -> list[User]:
    return [_to_user(row) for row in rows]


def _to_refresh_token(row: Any) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,
        family_id=row.family_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class RefreshTokenRepository(BaseRepository[RefreshTokensTable]):
    table = RefreshTokensTable

    async def add(self, token: RefreshToken, *, token_hash: str) -> None:
        await self._execute(
            _INSERT_TOKEN,
            {
                "id": token.id,
                "token_hash": token_hash,
                "user_id": token.user_id,
                "family_id": token.family_id,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
                "revoked_at": token.revoked_at,
            },
        )

    async def find_by_hash(self, token_hash: str) -> RefreshToken | None:
        statement = select(*RefreshTokensTable.__table__.columns).where(
            RefreshTokensTable.token_hash == token_hash
        )
        row = (await self._execute(statement)).one_or_none()
        return None if row is None else _to_refresh_token(row)

    async def revoke(self, token_id: UUID, *, now: datetime) -> bool:
        """Revoke one token; False if it was already revoked (someone else used it first)."""
        statement = (
            update(RefreshTokensTable)
            .where(RefreshTokensTable.id == token_id, RefreshTokensTable.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(await self._execute_count(statement))

    async def revoke_family(self, family_id: UUID, *, now: datetime) -> None:
        """Revoke every token issued from one login."""
        await self._execute(
            update(RefreshTokensTable)
            .where(
                RefreshTokensTable.family_id == family_id,
                RefreshTokensTable.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
