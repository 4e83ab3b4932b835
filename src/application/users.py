"""Reading and changing accounts."""

from datetime import datetime
from uuid import UUID

from src.application.auth import create_user
from src.application.listing import Listing
from src.domain.clock import utcnow
from src.domain.pagination import Page
from src.domain.users import Principal, Role, User, UserRepository
from src.domain.users.rules import (
    can_see_user,
    check_email,
    check_password,
    ensure_admin,
    normalize_email,
)
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import NotFound, ProgrammingError, Unauthorized
from src.infrastructure.runtime import runtime

_USERS = Listing("users", (datetime, UUID))


def _account_gone() -> Unauthorized:
    # A valid token whose user no longer exists authenticates no one.
    return Unauthorized("The account of this token no longer exists")


@transaction(readonly=True)
async def get_me(*, principal: Principal) -> User:
    """The caller's own account."""
    user = await UserRepository().get(principal.user_id)
    if user is None:
        raise _account_gone()
    return user


@transaction(readonly=True)
async def get_user(*, principal: Principal, user_id: UUID) -> User:
    """One account: the caller's own, or any for an administrator; else not found."""
    user = None if not can_see_user(principal, user_id) else await UserRepository().get(user_id)
    if user is None:
        raise NotFound("No such user")
    return user


async def update_me(
    *, principal: Principal, full_name: str | None = None, password: str | None = None
) -> User:
    """Change the caller's name and/or password (the password rule applies)."""
    password_hash = None
    if password is not None:
        check_password(password)
        password_hash = await runtime().passwords.hash(password)
    return await _update_profile(
        user_id=principal.user_id,
        full_name=None if full_name is None else full_name.strip(),
        password_hash=password_hash,
    )


@transaction
async def _update_profile(
    *, user_id: UUID, full_name: str | None, password_hash: str | None
) -> User:
    user = await UserRepository().update(
        user_id, updated_at=utcnow(), full_name=full_name, password_hash=password_hash
    )
    if user is None:
        raise _account_gone()
    return user


@transaction(readonly=True)
async def list_users(*, principal: Principal, limit: int, cursor: str | None) -> Page[User]:
    """Every account, newest first (administrators only)."""
    ensure_admin(principal)
    return await _USERS.page(cursor=cursor, limit=limit, fetch=UserRepository().list_newest_first)


async def ensure_admin_account(*, email: str, password: str, full_name: str) -> tuple[User, bool]:
    """Create an administrator, or promote the existing account (its password is reset).

    Returns the account and whether it was created. Running it twice changes nothing more.
    """
    email = check_email(email)
    check_password(password)
    password_hash = await runtime().passwords.hash(password)
    return await _create_or_promote_admin(
        email=email, full_name=full_name, password_hash=password_hash
    )


@transaction
async def _create_or_promote_admin(
    *, email: str, full_name: str, password_hash: str
) -> tuple[User, bool]:
    users = UserRepository()
    user_id = await users.find_id_by_email(normalize_email(email))
    if user_id is None:
        user = await create_user(
            email=email, full_name=full_name, role=Role.ADMIN, password_hash=password_hash
        )
        return user, True
    promoted = await users.update(
        user_id, updated_at=utcnow(), role=Role.ADMIN, password_hash=password_hash
    )
    if promoted is None:
        raise ProgrammingError(f"user {user_id} vanished inside the transaction that found it")
    return promoted, False


@transaction
async def ensure_user(*, email: str, full_name: str, role: Role, password_hash: str) -> User:
    """The account with this email, created with these details if it does not exist yet."""
    users = UserRepository()
    user_id = await users.find_id_by_email(normalize_email(email))
    existing = None if user_id is None else await users.get(user_id)
    if existing is not None:
        return existing
    return await create_user(
        email=email, full_name=full_name, role=role, password_hash=password_hash
    )


async def hash_password(*, password: str) -> str:
    """The hash of a password that meets the password rule (for seeding many accounts)."""
    check_password(password)
    return await runtime().passwords.hash(password)
