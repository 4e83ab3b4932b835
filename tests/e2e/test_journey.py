"""The whole journey against a real server and the real stand-in provider: a seller lists
a product, a buyer orders and pays, the seller ships and delivers, and the figures add up."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import API, PASSWORD, new_email
from tests.e2e.servers import migrate, server_environment, serving, stand_in_provider

pytestmark = [pytest.mark.database, pytest.mark.server]


@pytest.fixture
def services(empty_database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(the marketplace's URL, the provider's URL), each a real process."""
    with stand_in_provider() as provider_url:
        environment = server_environment(
            empty_database_url, tmp_path / "logs", PAYMENTS__PROVIDER_URL=provider_url
        )
        migrate(environment)
        with serving(environment) as base_url:
            yield base_url, provider_url


def account(client: httpx.Client, role: str) -> tuple[str, dict[str, str]]:
    email = new_email(role)
    body = {"email": email, "password": PASSWORD, "fullName": role.title(), "role": role}
    user = client.post(f"{API}/auth/register", json=body)
    assert user.status_code == 201, user.text
    login = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    return user.json()["id"], {"Authorization": f"Bearer {login.json()['accessToken']}"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_list_order_pay_ship_deliver_and_read_the_figures(services: tuple[str, str]) -> None:
    base_url, provider_url = services
    with httpx.Client(base_url=base_url, timeout=30) as client:
        seller_id, seller = account(client, "seller")
        buyer_id, buyer = account(client, "buyer")
        lamp = ok(client.post(f"{API}/products", headers=seller, json={
            "title": "Brass lamp", "price": 4999, "stock": 10, "category": "lighting",
        }), 201)  # fmt: skip

        order = ok(client.post(f"{API}/orders", headers=buyer, json={
            "items": [{"productId": lamp["id"], "quantity": 2}],
            "shippingAddress": {"fullName": "Ada", "line1": "1 Main St", "city": "London",
                                "postalCode": "N1", "country": "GB"},
        }), 201)  # fmt: skip
        assert (order["status"], order["total"], order["buyerId"]) == (
            "pendingPayment", 9998, buyer_id
        )  # fmt: skip
        orders = f"{API}/orders/{order['id']}"

        paid = ok(client.post(f"{orders}/pay", headers=buyer, json={"paymentToken": "tok_visa"}))
        assert paid["status"] == "paid"
        charges = httpx.get(f"{provider_url}/charges", params={"orderId": order["id"]}).json()
        assert [(c["amount"], c["currency"], c["status"]) for c in charges] == [
            (9998, "USD", "succeeded")
        ]

        parcel = {"carrier": "DHL", "trackingNumber": "JD1"}
        shipment = ok(client.post(f"{orders}/shipments", headers=seller, json=parcel), 201)
        assert ok(client.get(orders, headers=buyer))["status"] == "shipped"
        in_transit = ok(client.get(
            f"{API}/analytics/products/{lamp['id']}/shipping", headers=seller,
            params={"status": "inProgress"},
        ))  # fmt: skip
        assert in_transit["count"] == 1

        delivered = ok(client.patch(f"{API}/shipments/{shipment['id']}", headers=seller,
                                    json={"status": "delivered"}))  # fmt: skip
        assert delivered["status"] == "delivered"
        assert ok(client.get(orders, headers=buyer))["status"] == "delivered"

        figures = ok(client.get(f"{API}/analytics/products/{lamp['id']}/orders", headers=seller))
        assert figures == {
            "productId": lamp["id"], "ordersCount": 1, "unitsSold": 2, "revenue": 9998,
            "refunded": 0,
            "byStatus": {"pendingPayment": 0, "paid": 0, "shipped": 0, "delivered": 1,
                         "cancelled": 0},
        }  # fmt: skip
        sales = ok(client.get(f"{API}/analytics/sellers/me/sales", headers=seller))
        today = datetime.now(UTC).date().isoformat()
        assert sales == {"items": [{"date": today, "orders": 1, "unitsSold": 2, "revenue": 9998}]}
        assert ok(client.get(f"{API}/products/{lamp['id']}"))["stock"] == 8
        assert (
            client.get(f"{API}/analytics/products/{lamp['id']}/orders", headers=buyer).status_code
            == 403
        )
        assert seller_id == lamp["sellerId"]
