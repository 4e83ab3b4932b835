"""Request dependencies shared by the routers."""

import functools
from collections.abc import Callable
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import OAuth2PasswordBearer

from src.application.auth import authenticate
from src.application.images import image_url
from src.domain.users import Principal, Role
from src.infrastructure.errors import Unauthorized
from src.infrastructure.web import API_PREFIX

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl=f"{API_PREFIX}/auth/token",
    refreshUrl=f"{API_PREFIX}/auth/refresh",
    # The roles, as scopes: an operation's scopes are the roles that may call it (any one).
    # A token is not issued for scopes; its account's role is what counts.
    scopes={
        Role.BUYER.value: "Buyers: place and pay for orders",
        Role.SELLER.value: "Sellers: list products, ship orders, read their sales",
        Role.ADMIN.value: "Administrators: everything, and the users and events",
    },
    auto_error=False,
    description="Log in with your email as the username. Access tokens are short-lived JWTs "
    "(`AUTH__ACCESS_TOKEN_TTL`, 900 s by default) handled as RFC8725 advises: one algorithm, "
    "pinned (HS256 unless configured), `alg: none` refused, expiry always checked. Renew one "
    "with the refresh token from `POST /auth/login` at `POST /auth/refresh` (JSON "
    "`{refreshToken}`), which answers a new pair.",
)


async def current_principal(token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    """Who the bearer token says is calling; 401 without a valid one."""
    if not token:
        raise Unauthorized("Authentication is required")
    return authenticate(access_token=token)


async def optional_principal(
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal | None:
    """Who the bearer token says is calling, or None without one; a token that is sent but
    not valid is still 401 (a client that thinks it is signed in must learn it is not)."""
    return authenticate(access_token=token) if token else None


async def client_address(request: Request) -> str:
    """The caller's address (the proxy-reported one when the server trusts the proxy)."""
    return request.client.host if request.client else "unknown"


def location(request: Request, endpoint: Callable[..., Any], **path_parameters: object) -> str:
    """The `Location` of a created resource: the path of the route `endpoint` serves, so it
    follows the API prefix and the route's own path."""
    return _path_template(request.app, endpoint.__name__, *path_parameters).format_map(
        {name: str(value) for name, value in path_parameters.items()}
    )


# Per app, each route's path with its parameters left as `{name}`: looking a route up walks
# every route (tens of microseconds, a few percent of placing an order), so once is enough.
_PATH_TEMPLATES: WeakKeyDictionary[FastAPI, dict[tuple[str, ...], str]] = WeakKeyDictionary()


def _path_template(app: FastAPI, route_name: str, *parameters: str) -> str:
    templates = _PATH_TEMPLATES.setdefault(app, {})
    key = (route_name, *parameters)
    if key not in templates:
        placeholders = {name: f"{{{name}}}" for name in parameters}
        templates[key] = str(app.url_path_for(route_name, **placeholders))
    return templates[key]


def signed_in_as(*roles: Role) -> Any:
    """The caller, as `current_principal`, on an operation only `roles` may call.

    The rule itself is the domain's (anyone else gets its 403); this says it in the OpenAPI
    document, where the roles are the operation's OAuth2 scopes.
    """
    return Security(current_principal, scopes=[role.value for role in roles])


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
# Anyone, and of those with a token, buyers.
MaybeBuyer = Annotated[Principal | None, Security(optional_principal, scopes=[Role.BUYER.value])]
AsBuyer = Annotated[Principal, signed_in_as(Role.BUYER)]
AsSeller = Annotated[Principal, signed_in_as(Role.SELLER)]
AsAdmin = Annotated[Principal, signed_in_as(Role.ADMIN)]
AsBuyerOrAdmin = Annotated[Principal, signed_in_as(Role.BUYER, Role.ADMIN)]
AsSellerOrAdmin = Annotated[Principal, signed_in_as(Role.SELLER, Role.ADMIN)]
ClientAddress = Annotated[str, Depends(client_address)]


async def media_links(request: Request) -> Callable[[str], str]:
    """Stored images' public URLs, as the request that came in spells its origin."""
    return functools.partial(image_url, origin=str(request.base_url))


MediaUrls = Annotated[Callable[[str], str], Depends(media_links)]
