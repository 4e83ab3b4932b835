"""Registration, login, token refresh and logout.

Password hashing is slow on purpose, so it always happens outside a database transaction:
a write transaction on SQLite holds the database's single write lock, and no one should wait
on it while Argon2 runs.
"""

from datetime import timedelta
from uuid import UUID, uuid4

from src.application.events import raise_event
from src.domain.clock import utcnow
from src.domain.users import (
    Credentials,
    Principal,
    RefreshToken,
    RefreshTokenRepository,
    Role,
    TokenPair,
    User,
    UserRepository,
)
from src.domain.users.events import UserRegistered
from src.domain.users.rules import (
    check_email,
    check_password,
    check_self_service_role,
    normalize_email,
)
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import InvalidCredentials, Unauthorized
from src.infrastructure.runtime import runtime


async def register_user(*, email: str, password: str, full_name: str, role: Role) -> User:
    """Open a buyer or seller account; the email must be new, compared case-insensitively."""
    check_self_service_role(role)
    email = check_email(email)
    check_password(password)
    password_hash = await runtime().passwords.hash(password)  # slow: outside any transaction
    return await _open_account(
        email=email, full_name=full_name, role=role, password_hash=password_hash
    )


@transaction
async def _open_account(*, email: str, full_name: str, role: Role, password_hash: str) -> User:
    user = await create_user(
        email=email, full_name=full_name, role=role, password_hash=password_hash
    )
    await raise_event(UserRegistered(user_id=user.id))
    return user


@transaction
async def create_user(*, email: str, full_name: str, role: Role, password_hash: str) -> User:
    """Store a new user whose password is already hashed."""
    now = utcnow()
    user = User(
        id=uuid4(),
        email=email.strip(),
        full_name=full_name.strip(),
        role=role,
        created_at=now,
        updated_at=now,
    )
    return await UserRepository().add(
        user, email_normalized=normalize_email(email), password_hash=password_hash
    )


async def verify_credentials(*, email: str, password: str, client_address: str) -> Principal:
    """Who the email and password belong to; failures are throttled per address and email."""
    services = runtime()
    keys = (f"address:{client_address}", f"email:{normalize_email(email)}")
    await services.login_throttle.check(*keys)
    credentials = await _find_credentials(email=normalize_email(email))
    known_hash = None if credentials is None else credentials.password_hash
    if not await services.passwords.verify(password, known_hash) or credentials is None:
        await services.login_throttle.record(*keys)
        raise InvalidCredentials("The email or password is incorrect")
    return Principal(user_id=credentials.user_id, role=credentials.role)


@transaction(readonly=True)
async def _find_credentials(*, email: str) -> Credentials | None:
    return await UserRepository().find_credentials(email)


async def login(*, email: str, password: str, client_address: str) -> TokenPair:
    """Check the credentials and open a login: an access token and a refresh token."""
    principal = await verify_credentials(
        email=email, password=password, client_address=client_address
    )
    return await _open_login(principal=principal)


def issue_access_token(*, principal: Principal) -> str:
    """A bare access token, as the OAuth2 password flow of the API docs hands out."""
    return runtime().tokens.issue_access(
        subject=principal.user_id, role=principal.role.value, now=utcnow()
    )


@transaction
async def _open_login(*, principal: Principal) -> TokenPair:
    return await _issue_pair(principal=principal, family_id=uuid4())


async def _issue_pair(*, principal: Principal, family_id: UUID) -> TokenPair:
    services = runtime()
    now = utcnow()
    refresh_token = services.tokens.new_refresh_token()
    await RefreshTokenRepository().add(
        RefreshToken(
            id=uuid4(),
            user_id=principal.user_id,
            family_id=family_id,
            created_at=now,
            expires_at=now + timedelta(seconds=services.settings.auth.refresh_token_ttl),
            revoked_at=None,
        ),
        token_hash=services.tokens.fingerprint(refresh_token),
    )
    return TokenPair(
        access_token=services.tokens.issue_access(
            subject=principal.user_id, role=principal.role.value, now=now
        ),
        refresh_token=refresh_token,
        expires_in=services.tokens.access_ttl,
    )


async def refresh_login(*, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one is revoked (rotation).

    A token that was already exchanged or revoked is a sign of theft: every token of its
    login is revoked. That revocation commits before the caller is refused.
    """
    pair = await _rotate(refresh_token=refresh_token)
    if pair is None:
        raise Unauthorized("The refresh token is invalid, expired or revoked")
    return pair


@transaction
async def _rotate(*, refresh_token: str) -> TokenPair | None:
    tokens = RefreshTokenRepository()
    now = utcnow()
    token = await tokens.find_by_hash(runtime().tokens.fingerprint(refresh_token))
    if token is None or now >= token.expires_at:
        return None
    # A revoked token, or one a concurrent refresh just revoked, is being reused.
    if token.revoked_at is not None or not await tokens.revoke(token.id, now=now):
        await tokens.revoke_family(token.family_id, now=now)
        return None
    user = await UserRepository().get(token.user_id)
    if user is None:
        return None
    principal = Principal(user_id=user.id, role=user.role)
    return await _issue_pair(principal=principal, family_id=token.family_id)


@transaction
async def logout(*, refresh_token: str) -> None:
    """End the login the refresh token belongs to; unknown tokens are ignored (RFC 7009)."""
    tokens = RefreshTokenRepository()
    token = await tokens.find_by_hash(runtime().tokens.fingerprint(refresh_token))
    if token is not None:
        await tokens.revoke_family(token.family_id, now=utcnow())


def authenticate(*, access_token: str) -> Principal:
    """The principal a valid access token names; `Unauthorized` for any other token."""
    claims = runtime().tokens.decode_access(access_token)
    try:
        role = Role(claims.role)
    except ValueError as error:
        raise Unauthorized("The access token is invalid or has expired") from error
    return Principal(user_id=claims.subject, role=role)


def access_token_ttl() -> int:
    """Seconds an access token lives."""
    return runtime().tokens.access_ttl
