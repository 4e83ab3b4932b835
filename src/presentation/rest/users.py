"""The caller's account, and the list of accounts for administrators."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter

from src.application import users
from src.presentation.rest.deps import AsAdmin, CurrentPrincipal
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems
from src.presentation.rest.users_schemas import UpdateMeRequest, UserListQuery, UserResponse

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", responses=problems(401))
async def read_current_user(principal: CurrentPrincipal) -> UserResponse:
    """Read the current user.

    The account the bearer token was issued to.
    """
    return UserResponse.of(await users.get_me(principal=principal))


@router.patch("/me", responses=problems(401, 422))
async def update_current_user(body: UpdateMeRequest, principal: CurrentPrincipal) -> UserResponse:
    """Change the current user's name or password.

    Fields left out stay as they are; a new password follows the registration rule.
    """
    user = await users.update_me(
        principal=principal, full_name=body.full_name, password=body.password
    )
    return UserResponse.of(user)


@router.get("", responses=problems(401, 403, 422), openapi_extra=query_parameters(UserListQuery))
async def list_users(
    principal: AsAdmin,
    query: Annotated[UserListQuery, query_model(UserListQuery)],
) -> PageResponse[UserResponse]:
    """List every account (admins).

    Newest first.
    """
    page = await users.list_users(principal=principal, limit=query.limit, cursor=query.cursor)
    return PageResponse.of([UserResponse.of(user) for user in page.items], page)


@router.get("/{user_id}", responses=problems(401, 404, 422))
async def read_user(user_id: UUID, principal: CurrentPrincipal) -> UserResponse:
    """Read an account.

    Your own, or any account for an admin; any other → 404.
    """
    return UserResponse.of(await users.get_user(principal=principal, user_id=user_id))
