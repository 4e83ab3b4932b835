"""REST routers, one module per area."""

from src.presentation.rest import (
    admin,
    analytics,
    auth,
    carts,
    catalog,
    health,
    images,
    money,
    orders,
    payouts,
    refunds,
    reviews,
    shipping,
    users,
    webhooks,
)

API_ROUTERS = (
    auth.router,
    users.router,
    catalog.products,
    catalog.categories,
    images.router,
    reviews.product_reviews,
    reviews.router,
    reviews.sellers,
    carts.router,
    orders.router,
    refunds.router,
    shipping.order_shipments,
    shipping.shipments,
    analytics.router,
    webhooks.router,
    admin.router,
    money.rates,
    money.sellers,
    payouts.sellers,
    payouts.all_payouts,
)
ROOT_ROUTERS = (health.router, images.media)
TAGS = (
    {"name": "auth", "description": "Registration, login, token refresh and logout"},
    {"name": "users", "description": "Accounts"},
    {"name": "catalog", "description": "Products and categories"},
    {"name": "reviews", "description": "Reviews and ratings of products; sellers' pages"},
    {"name": "carts", "description": "Carts, a guest's or a buyer's, and checking them out"},
    {
        "name": "orders",
        "description": "Placing, paying for, cancelling and refunding orders",
    },
    {"name": "shipping", "description": "Shipments: sellers ship their part of an order"},
    {"name": "analytics", "description": "Sales and shipping figures for sellers and admins"},
    {"name": "webhooks", "description": "Signed deliveries of events to sellers' receivers"},
    {"name": "money", "description": "Sellers' balances and the ledger of what they are owed"},
    {"name": "admin", "description": "Administration: domain events and dead letters"},
    {"name": "health", "description": "Liveness and readiness probes"},
)

__all__ = ["API_ROUTERS", "ROOT_ROUTERS", "TAGS"]
