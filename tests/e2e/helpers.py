"""Small helpers for driving the API in tests."""

from typing import Any
from uuid import uuid4

from httpx import AsyncClient, Response

API = "/api/v1"
PASSWORD = "correct horse battery"


def problem_of(response: Response, status: int, code: str) -> dict[str, Any]:
    """Assert that `response` is a problem with this status and code, and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"] == "about:blank"
    assert body["title"]
    assert isinstance(body["detail"], str)
    return body


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid4().hex[:10]}@example.com"


async def register(
    client: AsyncClient,
    *,
    role: str = "buyer",
    email: str | None = None,
    password: str = PASSWORD,
    full_name: str = "Test User",
) -> dict[str, Any]:
    """Register an account and return the created user."""
    response = await client.post(
        f"{API}/auth/register",
        json={
            "email": email or new_email(role),
            "password": password,
            "fullName": full_name,
            "role": role,
        },
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Log in and return the token pair."""
    response = await client.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def ship_and_deliver(
    client: AsyncClient, seller_token: str, order_id: str, *, tracking_number: str = "1"
) -> None:
    """The seller ships its part of the order, and marks the shipment delivered."""
    headers = bearer(seller_token)
    shipped = await client.post(
        f"{API}/orders/{order_id}/shipments", headers=headers,
        json={"carrier": "DHL", "trackingNumber": tracking_number},
    )  # fmt: skip
    assert shipped.status_code == 201, shipped.text
    delivered = await client.patch(
        f"{API}/shipments/{shipped.json()['id']}", headers=headers, json={"status": "delivered"}
    )
    assert delivered.status_code == 200, delivered.text


async def signed_in(client: AsyncClient, *, role: str = "buyer") -> tuple[dict[str, Any], str]:
    """A new account of `role` and an access token for it."""
    user = await register(client, role=role)
    return user, (await login(client, user["email"]))["accessToken"]
