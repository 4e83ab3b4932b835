"""Registration, login, token refresh and logout."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from src.application import auth
from src.domain.users import Role
from src.presentation.rest.deps import ClientAddress, location
from src.presentation.rest.schemas import problems
from src.presentation.rest.users import read_user
from src.presentation.rest.users_schemas import (
    LoginRequest,
    OAuth2TokenResponse,
    RefreshRequest,
    RegisterRequest,
    TokenForm,
    TokenPairResponse,
    UserResponse,
)

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, 422),
)
async def register_user(
    body: RegisterRequest, request: Request, response: Response
) -> UserResponse:
    """Register a buyer or seller account.

    The role defaults to `buyer`; admins are made only with `python -m seed.create_admin`.
    An email that is taken, whatever its case → 409 `emailTaken`.
    """
    user = await auth.register_user(
        email=body.email, password=body.password, full_name=body.full_name, role=Role(body.role)
    )
    response.headers["Location"] = location(request, read_user, user_id=user.id)
    return UserResponse.of(user)


@router.post("/login", responses=problems(401, 422, 429))
async def log_in(body: LoginRequest, address: ClientAddress) -> TokenPairResponse:
    """Log in with an email and password.

    Answers an access token and a refresh token. Failed logins are rate limited per client
    address and per email → 429.
    """
    pair = await auth.login(email=body.email, password=body.password, client_address=address)
    return TokenPairResponse.of(pair)


@router.post("/token", responses=problems(401, 422, 429))
async def issue_token(
    form: Annotated[TokenForm, Form()], address: ClientAddress
) -> OAuth2TokenResponse:
    """Get an access token with the OAuth2 password flow.

    Form-encoded; `username` is the email. The docs' Authorize button uses it.
    """
    principal = await auth.verify_credentials(
        email=form.username, password=form.password, client_address=address
    )
    return OAuth2TokenResponse(
        access_token=auth.issue_access_token(principal=principal),
        expires_in=auth.access_token_ttl(),
    )


@router.post("/refresh", responses=problems(401, 422))
async def refresh_tokens(body: RefreshRequest) -> TokenPairResponse:
    """Exchange a refresh token for a new pair.

    The old refresh token stops working; presenting it again → 401, and every token of that
    login is revoked.
    """
    return TokenPairResponse.of(await auth.refresh_login(refresh_token=body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problems(422))
async def log_out(body: RefreshRequest) -> None:
    """Log out.

    That login's refresh tokens stop working; access tokens run out on their own.
    """
    await auth.logout(refresh_token=body.refresh_token)
