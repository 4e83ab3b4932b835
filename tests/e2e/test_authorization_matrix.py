"""Who may do what, for every route and every role, from one table (OWASP API Top 10, 2023:
broken object-level, function-level and property-level authorization).

Each case runs in a fresh little world: a seller with product P and product V (sizes S and
M of it sold), another seller with product Q, a buyer with an order holding P in each state
the routes need (awaiting payment, paid, paid and shipped by the seller, delivered, its
payout released to the seller) and a review R of another product delivered to them, a
refund F of the shipped order, another buyer, an admin. The table gives the status each
role gets; 404 where the caller may not even see the object, 403 where it may see it but
not act, as the contract says. No response may ever carry a password or a hash.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from src.application.ledger import release_due_funds
from src.application.users import ensure_admin_account
from src.infrastructure.database import current_session, transaction
from src.infrastructure.database.tables import PendingFundsTable
from tests.e2e.helpers import API, PASSWORD, bearer, login, signed_in
from tests.e2e.test_orders_api import ADDRESS
from tests.image_files import image_file

pytestmark = pytest.mark.database
ROLES = ("anonymous", "buyer", "other_buyer", "seller", "other_seller", "admin")

PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 401} | dict.fromkeys(ROLES[1:], 200)
ADMIN_ONLY = {"anonymous": 401} | dict.fromkeys(ROLES[1:-1], 403) | {"admin": 200}
# Seeing an order: its buyer, a seller with items in it, admins; others must not learn it exists.
ORDER_VIEWERS = {"anonymous": 401, "buyer": 200, "other_buyer": 404, "seller": 200,
                 "other_seller": 404, "admin": 200}  # fmt: skip
PRODUCT_OWNER = {"anonymous": 401, "buyer": 403, "other_buyer": 403, "seller": 200,
                 "other_seller": 403, "admin": 200}  # fmt: skip
BUYERS = {"anonymous": 401, "buyer": 200, "other_buyer": 200, "seller": 403,
          "other_seller": 403, "admin": 403}  # fmt: skip
CART_OWNER = dict.fromkeys(ROLES, 404) | {"buyer": 200}
SELLERS_AND_ADMINS = {"anonymous": 401, "buyer": 403, "other_buyer": 403, "seller": 200,
                      "other_seller": 200, "admin": 200}  # fmt: skip
# A webhook endpoint (W, the seller's): its owner and admins; other sellers must not learn it.
WEBHOOK_OWNER = SELLERS_AND_ADMINS | {"other_seller": 404}
HOOK_URL = "https://93.184.215.14/hooks"  # public, given as an address: no DNS needed
SELLERS = {"anonymous": 401, "buyer": 403, "other_buyer": 403, "seller": 200,
           "other_seller": 200, "admin": 403}  # fmt: skip

# The body of an image upload: a multipart form with one file, not JSON.
UPLOAD = "upload"
PNG = image_file("PNG", (4, 4))

# (method, path, body, {role: status}); {P}, {O_pending}, ... are filled from the world.
MATRIX: list[tuple[str, str, dict[str, Any] | str | None, dict[str, int]]] = [
    ("GET", "/products", None, PUBLIC),
    ("GET", "/products/{P}", None, PUBLIC),
    ("GET", "/categories", None, PUBLIC),
    ("POST", "/products", {"title": "T", "price": 1, "stock": 1, "category": "c"},
     {"anonymous": 401, "buyer": 403, "other_buyer": 403, "seller": 201,
      "other_seller": 201, "admin": 201}),
    ("PATCH", "/products/{P}", {"price": 5}, PRODUCT_OWNER),
    ("DELETE", "/products/{P}", None, PRODUCT_OWNER | {"seller": 204, "admin": 204}),
    ("POST", "/products/{V}/variants",
     {"sku": "V-L", "options": {"Size": "L"}, "price": 5, "stock": 1},
     PRODUCT_OWNER | {"seller": 201, "admin": 201}),
    ("PATCH", "/products/{V}/variants/{V_small}", {"price": 7}, PRODUCT_OWNER),
    ("DELETE", "/products/{V}/variants/{V_small}", None,
     PRODUCT_OWNER | {"seller": 204, "admin": 204}),
    ("POST", "/products/{P}/images", UPLOAD, PRODUCT_OWNER | {"seller": 201, "admin": 201}),
    ("DELETE", "/products/{P}/images/{I}", None, PRODUCT_OWNER | {"seller": 204, "admin": 204}),
    ("GET", "/users/me", None, SIGNED_IN),
    ("PATCH", "/users/me", {"fullName": "New Name"}, SIGNED_IN),
    ("GET", "/users", None, ADMIN_ONLY),
    ("GET", "/users/{buyer_id}", None,
     {"anonymous": 401, "buyer": 200, "other_buyer": 404, "seller": 404,
      "other_seller": 404, "admin": 200}),
    ("POST", "/orders", {"items": [{"productId": "{P}", "quantity": 1}],
                         "shippingAddress": ADDRESS},
     {"anonymous": 401, "buyer": 201, "other_buyer": 201, "seller": 403,
      "other_seller": 403, "admin": 403}),
    ("GET", "/orders", None, SIGNED_IN),
    ("GET", "/orders/{O_pending}", None, ORDER_VIEWERS),
    ("POST", "/orders/{O_pending}/pay", {"paymentToken": "tok_visa"},
     ORDER_VIEWERS | {"seller": 403, "admin": 403}),
    ("POST", "/orders/{O_pending}/cancel", None, ORDER_VIEWERS | {"seller": 403}),
    ("POST", "/orders/{O_paid}/shipments", {"carrier": "DHL", "trackingNumber": "1"},
     ORDER_VIEWERS | {"buyer": 403, "seller": 201, "admin": 403}),
    ("GET", "/orders/{O_shipped}/shipments", None, ORDER_VIEWERS),
    ("GET", "/shipments/{S}", None, ORDER_VIEWERS),
    ("PATCH", "/shipments/{S}", {"status": "delivered"}, ORDER_VIEWERS | {"buyer": 403}),
    # Refunds: admins, or a seller its own items (other sellers cannot see the order).
    ("POST", "/orders/{O_paid}/refunds", {"items": [{"productId": "{P}", "quantity": 1}]},
     ORDER_VIEWERS | {"buyer": 403, "seller": 201, "admin": 201}),
    ("GET", "/orders/{O_shipped}/refunds", None, ORDER_VIEWERS),
    ("GET", "/orders/{O_shipped}/refunds/{F}", None, ORDER_VIEWERS),
    ("GET", "/analytics/products/{P}/orders", None, PRODUCT_OWNER),
    ("GET", "/analytics/products/{P}/shipping", None, PRODUCT_OWNER),
    ("GET", "/analytics/sellers/me/sales", None,
     {"anonymous": 401, "buyer": 403, "other_buyer": 403, "seller": 200,
      "other_seller": 200, "admin": 403}),
    ("GET", "/products/{P}/reviews", None, PUBLIC),
    ("POST", "/products/{P}/reviews", {"rating": 4},
     {"anonymous": 401, "buyer": 201, "other_buyer": 403, "seller": 403,
      "other_seller": 403, "admin": 403}),
    ("GET", "/reviews/{R}", None, PUBLIC),
    ("PATCH", "/reviews/{R}", {"rating": 3},
     {"anonymous": 401, "buyer": 200, "other_buyer": 403, "seller": 403,
      "other_seller": 403, "admin": 403}),
    ("DELETE", "/reviews/{R}", None,
     {"anonymous": 401, "buyer": 204, "other_buyer": 403, "seller": 403,
      "other_seller": 403, "admin": 204}),
    ("GET", "/sellers/{seller_id}", None, PUBLIC),
    # Carts: a guest's is anyone's who holds its id; a buyer's (B) is that buyer's alone.
    ("POST", "/carts", None,
     {"anonymous": 201, "buyer": 200, "other_buyer": 201, "seller": 403,
      "other_seller": 403, "admin": 403}),
    ("GET", "/carts/current", None, BUYERS),
    ("POST", "/carts/current/merge", {"cartId": "{G}"}, BUYERS),
    ("GET", "/carts/{G}", None, PUBLIC),
    ("GET", "/carts/{B}", None, CART_OWNER),
    ("POST", "/carts/{B}/items", {"productId": "{P}", "quantity": 1}, CART_OWNER),
    ("PATCH", "/carts/{B}/items/{B_item}", {"quantity": 2}, CART_OWNER),
    ("DELETE", "/carts/{B}/items/{B_item}", None, CART_OWNER | {"buyer": 204}),
    ("POST", "/carts/{B}/checkout", {"shippingAddress": ADDRESS},
     {"anonymous": 401, "buyer": 201, "other_buyer": 404, "seller": 403,
      "other_seller": 403, "admin": 403}),
    ("POST", "/webhooks", {"url": HOOK_URL, "events": ["order.paid"]},
     SELLERS_AND_ADMINS | {"seller": 201, "other_seller": 201, "admin": 201}),
    ("GET", "/webhooks", None, SELLERS_AND_ADMINS),
    ("GET", "/webhooks/{W}", None, WEBHOOK_OWNER),
    ("DELETE", "/webhooks/{W}", None, WEBHOOK_OWNER | {"seller": 204, "admin": 204}),
    ("GET", "/webhooks/{W}/deliveries", None, WEBHOOK_OWNER),
    ("POST", "/webhooks/{W}/deliveries/{random}/redeliver", None,
     WEBHOOK_OWNER | {"seller": 404, "admin": 404}),
    ("GET", "/admin/events", None, ADMIN_ONLY),
    ("POST", "/admin/events/{random}/requeue", None, ADMIN_ONLY | {"admin": 404}),
    ("GET", "/admin/commission-rates", None, ADMIN_ONLY),
    ("GET", "/sellers/me/balance", None, SELLERS),
    ("GET", "/sellers/me/ledger", None, SELLERS),
    # The seller's delivered order is released; the other seller has nothing to pay out.
    ("POST", "/sellers/me/payouts", {"currency": "USD"},
     SELLERS | {"seller": 201, "other_seller": 409}),
    ("GET", "/sellers/me/payouts", None, SELLERS),
    ("GET", "/sellers/me/payouts/{random}", None, SELLERS | {"seller": 404, "other_seller": 404}),
    ("GET", "/admin/payouts", None, ADMIN_ONLY),
    ("PUT", "/admin/commission-rates/default", {"rateBps": 900}, ADMIN_ONLY),
    ("PUT", "/admin/commission-rates/categories/{category}", {"rateBps": 900}, ADMIN_ONLY),
    ("DELETE", "/admin/commission-rates/categories/{category}", None, ADMIN_ONLY | {"admin": 204}),
    ("PUT", "/admin/commission-rates/sellers/{seller_id}", {"rateBps": 900}, ADMIN_ONLY),
    ("DELETE", "/admin/commission-rates/sellers/{seller_id}", None,
     ADMIN_ONLY | {"admin": 204}),
]  # fmt: skip


@transaction
async def end_hold(order_id: UUID) -> None:
    """As if the order had been delivered long enough ago for its funds to be released."""
    await current_session().execute(
        update(PendingFundsTable)
        .where(PendingFundsTable.order_id == order_id)
        .values(delivered_at=datetime.now(UTC) - timedelta(days=30))
    )


async def world(client: AsyncClient) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Tokens by role, and the ids the paths name."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    ids: dict[str, str] = {"random": str(uuid4()), "category": "c"}
    for role in ("buyer", "other_buyer", "seller", "other_seller"):
        user, token = await signed_in(client, role=role.removeprefix("other_"))
        headers[role] = bearer(token)
        ids[f"{role}_id"] = user["id"]
    email = f"admin-{uuid4().hex[:8]}@example.com"
    await ensure_admin_account(email=email, password=PASSWORD, full_name="Admin")
    headers["admin"] = bearer((await login(client, email))["accessToken"])

    async def call(method: str, path: str, role: str, body: object = None) -> Any:
        response = await client.request(method, f"{API}{path}", headers=headers[role], json=body)
        assert response.is_success, response.text
        return response.json()

    product = {"title": "Lamp", "price": 100, "stock": 50, "category": "c"}
    ids["P"] = (await call("POST", "/products", "seller", product))["id"]
    ids["Q"] = (await call("POST", "/products", "other_seller", product))["id"]
    sizes = product | {
        "options": [{"name": "Size", "values": ["S", "M", "L"]}],
        "variants": [
            {"sku": f"V-{size}", "options": {"Size": size}, "price": 100, "stock": 5}
            for size in ("S", "M")
        ],
    }
    del sizes["price"], sizes["stock"]
    variant_product = await call("POST", "/products", "seller", sizes)
    ids["V"], ids["V_small"] = variant_product["id"], variant_product["variants"][0]["id"]
    image = await client.post(
        f"{API}/products/{ids['P']}/images", headers=headers["seller"],
        files={"file": ("p.png", PNG, "image/png")},
    )  # fmt: skip
    ids["I"] = image.json()["id"]
    order = {"items": [{"productId": ids["P"], "quantity": 1}], "shippingAddress": ADDRESS}
    for state in ("pending", "paid", "shipped"):
        ids[f"O_{state}"] = (await call("POST", "/orders", "buyer", order))["id"]
    for state in ("paid", "shipped"):
        await call("POST", f"/orders/{ids[f'O_{state}']}/pay", "buyer", {"paymentToken": "tok"})
    shipment = {"carrier": "DHL", "trackingNumber": "1"}
    ids["S"] = (await call("POST", f"/orders/{ids['O_shipped']}/shipments", "seller", shipment))[
        "id"
    ]
    refund = {"items": [{"productId": ids["P"], "quantity": 1}]}
    ids["F"] = (await call("POST", f"/orders/{ids['O_shipped']}/refunds", "admin", refund))["id"]
    # Delivered to the buyer: P, not reviewed yet, and P2, reviewed by the buyer as R.
    ids["P2"] = (await call("POST", "/products", "seller", product))["id"]
    lines = [{"productId": ids["P"], "quantity": 1}, {"productId": ids["P2"], "quantity": 1}]
    delivered = (await call("POST", "/orders", "buyer", order | {"items": lines}))["id"]
    await call("POST", f"/orders/{delivered}/pay", "buyer", {"paymentToken": "tok"})
    sent = (await call("POST", f"/orders/{delivered}/shipments", "seller", shipment))["id"]
    await call("PATCH", f"/shipments/{sent}", "seller", {"status": "delivered"})
    ids["R"] = (await call("POST", f"/products/{ids['P2']}/reviews", "buyer", {"rating": 5}))["id"]
    await end_hold(UUID(delivered))
    await release_due_funds()  # the delivered order's payout is available to the seller
    line = {"productId": ids["P"], "quantity": 1}
    ids["G"] = (await call("POST", "/carts", "anonymous"))["id"]
    await call("POST", f"/carts/{ids['G']}/items", "anonymous", line)
    ids["B"] = (await call("POST", "/carts", "buyer"))["id"]
    cart = await call("POST", f"/carts/{ids['B']}/items", "buyer", line)
    ids["B_item"] = cart["items"][0]["id"]
    # Subscribed to a topic nothing raises yet, so that the world sends nothing anywhere.
    hook = {"url": HOOK_URL, "events": ["payout.paid"]}
    ids["W"] = (await call("POST", "/webhooks", "seller", hook))["id"]
    rate = {"rateBps": 500}
    await call("PUT", "/admin/commission-rates/categories/c", "admin", rate)
    await call("PUT", f"/admin/commission-rates/sellers/{ids['seller_id']}", "admin", rate)
    return headers, ids


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, ids) for value in template]
    return template


def leaks(body: Any) -> list[str]:
    """Keys that must never leave the server, wherever they appear in a body."""
    if isinstance(body, dict):
        found = [key for key in body if "password" in key.lower() or "hash" in key.lower()]
        return found + [leak for value in body.values() for leak in leaks(value)]
    if isinstance(body, list):
        return [leak for value in body for leak in leaks(value)]
    return []


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
async def test_every_role_gets_what_the_contract_says(
    client: AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any] | str | None,
    expected: dict[str, int],
) -> None:
    assert set(expected) == set(ROLES)
    outcomes = {}
    shared = await world(client) if method == "GET" else None  # a read changes nothing
    for role in ROLES:  # a fresh world per role: an allowed write may change it
        headers, ids = shared or await world(client)
        sent: dict[str, Any] = (
            {"files": {"file": ("p.png", PNG, "image/png")}} if body == UPLOAD
            else {"json": fill(body, ids)}
        )  # fmt: skip
        response = await client.request(
            method, f"{API}{fill(path, ids)}", headers=headers[role], **sent
        )
        outcomes[role] = response.status_code
        if response.content and response.headers["content-type"].endswith("json"):
            assert leaks(response.json()) == [], f"{role}: {method} {path} leaks"
    assert outcomes == expected


# Open to anyone by design: they are how one gets a token, or say nothing about anybody.
UNAUTHENTICATED = {
    ("POST", "/auth/register"), ("POST", "/auth/login"), ("POST", "/auth/token"),
    ("POST", "/auth/refresh"), ("POST", "/auth/logout"),
}  # fmt: skip


def _generic(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


async def test_the_matrix_names_every_route_of_the_schema(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    routes = {
        (method.upper(), _generic(path.removeprefix(API)))
        for path, operations in schema["paths"].items()
        if path.startswith(API)
        for method in operations
    }
    covered = {(method, _generic(path)) for method, path, _, _ in MATRIX} | UNAUTHENTICATED
    assert routes - covered == set(), "routes missing from the authorization matrix"


def test_the_documented_scopes_are_the_roles_the_matrix_lets_through() -> None:
    """The OpenAPI document names, as each operation's OAuth2 scopes, the roles that may call
    it; the matrix, checked against the server above, says which roles get past a 403 (a
    404 is a refusal only for the "other" users, who may not see the object)."""
    from src.main import app  # noqa: PLC0415 - the assembled app's document

    paths = {
        _generic(path.removeprefix(API)): item for path, item in app.openapi()["paths"].items()
    }
    for method, path, _, expected in MATRIX:
        allowed = {
            role.removeprefix("other_")
            for role, status in expected.items()
            if role != "anonymous"
            and (status < 400 or (status == 404 and not role.startswith("other_")))
        }
        security = paths[_generic(path)][method.lower()]["security"]
        scopes = {
            scope for requirement in security for scope in requirement["OAuth2PasswordBearer"]
        }
        assert (scopes or {"buyer", "seller", "admin"}) == allowed, (method, path)
