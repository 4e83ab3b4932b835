"""A buyer/seller journey through a live server with the client openapi-python-client
generated from that server's /openapi.json (the package `marketplace_client`, on PYTHONPATH).

    BASE_URL=http://127.0.0.1:8000 PROVIDER_URL=http://127.0.0.1:8081 python journey.py

The server must use the stand-in payment provider at PROVIDER_URL with PAYMENTS__ATTEMPTS=1
(so that one injected fault answers 503) and AUTH__LOGIN_ATTEMPTS_PER_MINUTE=3. Requests say
they come from CLIENT_ADDRESS (X-Forwarded-For, believed from a local proxy), so that each run
has a login throttle of its own. Every step checks the status and the fields it gets, through
the generated models; the first mismatch exits 1 naming the step.

Runs in the generator's own environment (requirements.txt), not the project's.
"""

import os
import sys
import time
from typing import TYPE_CHECKING, TypeVar

import httpx
from marketplace_client.api.analytics import read_my_sales, read_product_orders
from marketplace_client.api.auth import log_in, register_user
from marketplace_client.api.catalog import create_product, list_products
from marketplace_client.api.orders import cancel_order, pay_order, place_order, read_order
from marketplace_client.api.shipping import deliver_shipment, list_order_shipments, ship_order
from marketplace_client.api.users import read_current_user
from marketplace_client.client import AuthenticatedClient, Client
from marketplace_client.models import (
    CreateProductRequest,
    LoginRequest,
    OrderLineRequest,
    PayOrderRequest,
    PlaceOrderRequest,
    Problem,
    RegisterRequest,
    ShippingAddressModel,
    ShipRequest,
    SignUpRole,
    UpdateShipmentRequest,
)
from marketplace_client.types import UNSET, Response, Unset

if TYPE_CHECKING:
    from uuid import UUID

BASE_URL = os.environ.get("BASE_URL", "")
PROVIDER_URL = os.environ.get("PROVIDER_URL", "")
CLIENT_ADDRESS = os.environ.get("CLIENT_ADDRESS", "203.0.113.20")
RUN = os.environ.get("RUN_ID", str(int(time.time())))
PASSWORD = "correct horse battery"
LOGIN_ATTEMPTS = 3  # the server's AUTH__LOGIN_ATTEMPTS_PER_MINUTE

T = TypeVar("T")
step = "start"


class StepFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(f"{step}: {message}")


def equal(actual: object, expected: object, what: str) -> None:
    check(actual == expected, f"{what} is {actual!r}, expected {expected!r}")


def success(response: Response[T | Problem], status: int) -> T:
    """The body of an answer that must be `status`, parsed into its generated model."""
    parsed = response.parsed
    if response.status_code != status or parsed is None or isinstance(parsed, Problem):
        raise StepFailed(
            f"{step}: answered {response.status_code} {response.content[:300]!r}, expected {status}"
        )
    return parsed


def problem(response: Response[T], status: int, code: str) -> Problem:
    """The problem an answer that must fail with `status` and `code` carries, parsed by the
    generated client into its Problem model (None would mean the status is undocumented)."""
    parsed = response.parsed
    if response.status_code != status or not isinstance(parsed, Problem):
        raise StepFailed(
            f"{step}: answered {response.status_code}, parsed as {type(parsed).__name__},"
            f" expected a Problem with {status} {code}: {response.content[:300]!r}"
        )
    check(
        response.headers.get("content-type", "").startswith("application/problem+json"),
        f"content-type is {response.headers.get('content-type')}",
    )
    equal(parsed.status, status, "problem.status")
    equal(parsed.code, code, "problem.code")
    equal(parsed.type_, "about:blank", "problem.type")
    check(bool(parsed.title) and bool(parsed.detail), "problem.title or .detail is empty")
    # `errors` appears on validation failures only: elsewhere the server leaves it out.
    check(isinstance(parsed.errors, Unset), f"problem.errors is {parsed.errors!r}")
    return parsed


HEADERS = {"X-Forwarded-For": CLIENT_ADDRESS}


def journey() -> None:  # noqa: PLR0915 - one journey, step after step
    global step  # noqa: PLW0603 - the step being run, for failure messages
    anonymous = Client(base_url=BASE_URL, headers=HEADERS, raise_on_unexpected_status=False)
    seller_email = f"py-seller-{RUN}@example.com"
    buyer_email = f"py-buyer-{RUN}@example.com"

    step = "register a seller"
    answer = register_user.sync_detailed(
        client=anonymous,
        body=RegisterRequest(
            email=seller_email, password=PASSWORD, full_name="Sam Seller",
            role=SignUpRole.SELLER,
        ),
    )  # fmt: skip
    seller = success(answer, 201)
    equal(seller.role, "seller", "role")
    equal(seller.email, seller_email, "email")
    equal(answer.headers.get("location"), f"/api/v1/users/{seller.id}", "Location")

    step = "register a buyer (the role defaults to buyer)"
    buyer = success(
        register_user.sync_detailed(
            client=anonymous,
            body=RegisterRequest(email=buyer_email, password=PASSWORD, full_name="Bea Buyer"),
        ),
        201,
    )
    equal(buyer.role, "buyer", "role")

    step = "register the buyer's email again → 409"
    problem(
        register_user.sync_detailed(
            client=anonymous,
            body=RegisterRequest(
                email=buyer_email.upper(), password=PASSWORD, full_name="Bea Again"
            ),
        ),
        409,
        "emailTaken",
    )

    step = "log in as the seller and the buyer"
    logins = [LoginRequest(email=email, password=PASSWORD) for email in (seller_email, buyer_email)]
    pairs = [success(log_in.sync_detailed(client=anonymous, body=login), 200) for login in logins]
    for pair in pairs:
        equal(pair.token_type, "bearer", "tokenType")
        check(bool(pair.access_token) and bool(pair.refresh_token), "a token is empty")
        check(pair.expires_in > 0, f"expiresIn is {pair.expires_in}")
    as_seller, as_buyer = (
        AuthenticatedClient(base_url=BASE_URL, token=pair.access_token, headers=HEADERS)
        for pair in pairs
    )

    step = "read the current user"
    me = success(read_current_user.sync_detailed(client=as_buyer), 200)
    equal(me.id, buyer.id, "id")

    step = "the seller creates products"
    category = f"journey-{RUN}"
    lamp = success(
        create_product.sync_detailed(
            client=as_seller,
            body=CreateProductRequest(
                title="Lamp", description="A desk lamp", price=2500, currency="USD", stock=5,
                category=category,
            ),
        ),
        201,
    )  # fmt: skip
    # description and currency have defaults: a client may leave them out.
    mug = success(
        create_product.sync_detailed(
            client=as_seller,
            body=CreateProductRequest(title="Mug", price=800, stock=10, category=category),
        ),
        201,
    )
    equal(mug.currency, "USD", "the default currency")
    equal(mug.description, "", "the default description")
    equal(mug.seller_id, seller.id, "sellerId")
    equal(lamp.status, "active", "status")

    step = "list the category one product a page, following nextCursor"
    listed: list[UUID] = []
    cursor: str | Unset = UNSET
    for _ in range(3):
        page = success(
            list_products.sync_detailed(
                client=anonymous, category=category, limit=1, cursor=cursor
            ),
            200,
        )
        check(len(page.items) <= 1, f"a page of {len(page.items)} items with limit=1")
        listed += [product.id for product in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    # Newest first, each product exactly once.
    equal(listed, [mug.id, lamp.id], "the products listed")

    step = "the buyer places an order with an Idempotency-Key"
    order_body = PlaceOrderRequest(
        items=[OrderLineRequest(product_id=lamp.id, quantity=2)],
        shipping_address=ShippingAddressModel(
            full_name="Bea Buyer", line1="1 Main St", city="Springfield", postal_code="12345",
            country="US",
        ),
    )  # fmt: skip
    order_key = f"py-order-{RUN}"
    placed = place_order.sync_detailed(client=as_buyer, body=order_body, idempotency_key=order_key)
    order = success(placed, 201)
    equal(order.status, "pendingPayment", "status")
    equal(order.total, 5000, "total")
    equal(order.currency, "USD", "currency")
    equal(order.buyer_id, buyer.id, "buyerId")
    equal(order.items[0].unit_price, 2500, "items[0].unitPrice")
    equal(placed.headers.get("location"), f"/api/v1/orders/{order.id}", "Location")

    step = "the same order again with the same key gets the first answer"
    replayed = place_order.sync_detailed(
        client=as_buyer, body=order_body, idempotency_key=order_key
    )
    equal(success(replayed, 201).id, order.id, "id")
    equal(replayed.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed")

    step = "paying while the provider is down → 503"
    faults = httpx.post(
        f"{PROVIDER_URL}/_faults", json={"failNext": 1, "mode": "error", "when": "before"}
    )
    check(faults.is_success, f"the stand-in provider answered {faults.status_code} to /_faults")
    pay_key = f"py-pay-{RUN}"
    payment = PayOrderRequest(payment_token="tok_visa")
    problem(
        pay_order.sync_detailed(order.id, client=as_buyer, body=payment, idempotency_key=pay_key),
        503,
        "paymentUnavailable",
    )

    step = "paying again with the same key (a 503 binds nothing)"
    paid = success(
        pay_order.sync_detailed(order.id, client=as_buyer, body=payment, idempotency_key=pay_key),
        200,
    )
    equal(paid.status, "paid", "status")

    step = "the seller ships"
    shipment = success(
        ship_order.sync_detailed(
            order.id, client=as_seller, body=ShipRequest(carrier="UPS", tracking_number=f"1Z{RUN}")
        ),
        201,
    )
    equal(shipment.status, "inProgress", "status")
    equal(shipment.order_id, order.id, "orderId")
    shipped = success(read_order.sync_detailed(order.id, client=as_buyer), 200)
    equal(shipped.status, "shipped", "the order's status")

    step = "the seller marks the shipment delivered"
    delivered = success(
        deliver_shipment.sync_detailed(
            shipment.id, client=as_seller, body=UpdateShipmentRequest(status="delivered")
        ),
        200,
    )
    equal(delivered.status, "delivered", "status")
    shipments = success(
        list_order_shipments.sync_detailed(order.id, client=as_buyer),
        200,
    )
    equal(len(shipments.items), 1, "shipments")
    done = success(read_order.sync_detailed(order.id, client=as_buyer), 200)
    equal(done.status, "delivered", "the order's status")

    step = "cancelling the delivered order → 409"
    problem(cancel_order.sync_detailed(order.id, client=as_buyer), 409, "invalidState")

    step = "the seller reads the product's analytics"
    stats = success(
        read_product_orders.sync_detailed(lamp.id, client=as_seller),
        200,
    )
    equal(stats.product_id, lamp.id, "productId")
    equal(stats.orders_count, 1, "ordersCount")
    equal(stats.units_sold, 2, "unitsSold")
    equal(stats.revenue, 5000, "revenue")
    equal(stats.by_status.delivered, 1, "byStatus.delivered")
    equal(stats.by_status.pending_payment, 0, "byStatus.pendingPayment")
    sales = success(read_my_sales.sync_detailed(client=as_seller), 200)
    check(bool(sales.items), "no sales today")
    today = sales.items[-1]
    equal((today.orders, today.units_sold, today.revenue), (1, 2, 5000), "today's sales")

    step = "failed logins are throttled → 401 each, then 429"
    wrong = LoginRequest(email=buyer_email, password="not the password")
    for _ in range(LOGIN_ATTEMPTS):
        problem(log_in.sync_detailed(client=anonymous, body=wrong), 401, "invalidCredentials")
    throttled = log_in.sync_detailed(client=anonymous, body=wrong)
    problem(throttled, 429, "rateLimited")
    retry_after = throttled.headers.get("retry-after", "")
    check(retry_after.isdigit() and int(retry_after) > 0, f"Retry-After is {retry_after!r}")


def main() -> int:
    if not BASE_URL or not PROVIDER_URL:
        print("journey: set BASE_URL and PROVIDER_URL", file=sys.stderr)
        return 2
    try:
        journey()
    except StepFailed as failure:
        print(f"journey failed at {failure}", file=sys.stderr)
        return 1
    print("journey: every step passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
