"""REST routers, one module per area."""

from src.presentation.rest import auth, catalog, health, orders, users

API_ROUTERS = (
    auth.router,
    users.router,
    catalog.products,
    catalog.categories,
    orders.router,
)
ROOT_ROUTERS = (health.router,)
TAGS = (
    {"name": "auth", "description": "Registration, login, token refresh and logout"},
    {"name": "users", "description": "Accounts"},
    {"name": "catalog", "description": "Products and categories"},
    {"name": "orders", "description": "Placing, reading and cancelling orders"},
    {"name": "health", "description": "Liveness and readiness probes"},
)

__all__ = ["API_ROUTERS", "ROOT_ROUTERS", "TAGS"]
