"""Registration, login, token refresh and logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from src.application import auth
from src.domain.users import Role
from src.presentation.rest.deps import ClientAddress
from src.presentation.rest.schemas import problems
from src.presentation.rest.users_schemas import (
    LoginRequest,
    OAuth2TokenResponse,
    RefreshRequest,
    RegisterRequest,
    TokenPairResponse,
    UserResponse,
)

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, 422),
)
async def register(body: RegisterRequest, response: Response) -> UserResponse:
    """Open a buyer or seller account."""
    user = await auth.register_user(
        email=body.email, password=body.password, full_name=body.full_name, role=Role(body.role)
    )
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return UserResponse.of(user)


@router.post("/login", responses=problems(401, 422, 429))
async def login(body: LoginRequest, address: ClientAddress) -> TokenPairResponse:
    """Exchange an email and password for an access token and a refresh token."""
    pair = await auth.login(email=body.email, password=body.password, client_address=address)
    return TokenPairResponse.of(pair)


@router.post("/token", responses=problems(401, 422, 429))
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], address: ClientAddress
) -> OAuth2TokenResponse:
    """OAuth2 password flow (form-encoded; `username` is the email), used by the docs."""
    principal = await auth.verify_credentials(
        email=form.username, password=form.password, client_address=address
    )
    return OAuth2TokenResponse(
        access_token=auth.issue_access_token(principal=principal),
        expires_in=auth.access_token_ttl(),
    )


@router.post("/refresh", responses=problems(401, 422))
async def refresh(body: RefreshRequest) -> TokenPairResponse:
    """Exchange a refresh token for a new pair; the old refresh token stops working."""
    return TokenPairResponse.of(await auth.refresh_login(refresh_token=body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problems(422))
async def logout(body: RefreshRequest) -> None:
    """End a login: its refresh tokens stop working (access tokens run out on their own)."""
    await auth.logout(refresh_token=body.refresh_token)
