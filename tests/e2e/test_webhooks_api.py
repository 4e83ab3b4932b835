"""Webhook endpoints over HTTP: registration, who sees what, refused topics and URLs, the
delivery log and redelivery."""

from typing import Any

import pytest
from httpx import AsyncClient

from src.application.users import ensure_admin_account
from tests.e2e.helpers import API, PASSWORD, bearer, login, problem_of, signed_in

pytestmark = pytest.mark.database
PUBLIC_URL = "https://93.184.215.14/hooks/marketplace"  # a public address: no DNS needed


async def register(
    client: AsyncClient, token: str, *, url: str = PUBLIC_URL, events: list[str] | None = None,
    extra: dict[str, object] | None = None,
) -> Any:  # fmt: skip
    body = {"url": url, "events": ["order.placed"] if events is None else events, **(extra or {})}
    return await client.post(f"{API}/webhooks", json=body, headers=bearer(token))


async def admin(client: AsyncClient) -> str:
    await ensure_admin_account(email="root@example.com", password=PASSWORD, full_name="Root")
    return str((await login(client, "root@example.com"))["accessToken"])


async def test_a_seller_registers_an_endpoint_and_sees_its_secret_once(
    client: AsyncClient,
) -> None:
    _, token = await signed_in(client, role="seller")
    events = ["order.paid", "product.archived", "order.paid"]
    response = await register(client, token, events=events, extra={"description": "Ops"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["order.paid", "product.archived"]
    assert (created["url"], created["description"]) == (PUBLIC_URL, "Ops")
    assert response.headers["location"] == f"{API}/webhooks/{created['id']}"
    read = (await client.get(response.headers["location"], headers=bearer(token))).json()
    assert read == {key: value for key, value in created.items() if key != "secret"}
    listed = (await client.get(f"{API}/webhooks", headers=bearer(token))).json()
    assert listed == {"items": [read], "nextCursor": None}


async def test_others_endpoints_are_not_found_and_admins_see_them(client: AsyncClient) -> None:
    _, mine = await signed_in(client, role="seller")
    _, other = await signed_in(client, role="seller")
    endpoint = (await register(client, mine)).json()
    path = f"{API}/webhooks/{endpoint['id']}"
    for method in ("GET", "DELETE"):
        problem_of(await client.request(method, path, headers=bearer(other)), 404, "notFound")
    problem_of(await client.get(f"{path}/deliveries", headers=bearer(other)), 404, "notFound")
    assert (await client.get(f"{API}/webhooks", headers=bearer(other))).json()["items"] == []
    assert (await client.get(path, headers=bearer(await admin(client)))).status_code == 200
    assert (await client.delete(path, headers=bearer(mine))).status_code == 204
    problem_of(await client.get(path, headers=bearer(mine)), 404, "notFound")


async def test_buyers_may_not_keep_endpoints(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="buyer")
    problem_of(await register(client, token), 403, "forbidden")
    problem_of(await client.get(f"{API}/webhooks", headers=bearer(token)), 403, "forbidden")


@pytest.mark.parametrize(
    "events", [["order.refunded"], [], ["user.registered"], ["order.paid", "nope"]]
)
async def test_unknown_topics_are_refused(client: AsyncClient, events: list[str]) -> None:
    _, token = await signed_in(client, role="seller")
    problem = problem_of(await register(client, token, events=events), 422, "validationError")
    assert problem["errors"][0]["loc"][:2] == ["body", "events"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://[::1]/hook",
        "http://93.184.215.14/hook",
        "not a url",
    ],
)
async def test_urls_reaching_inside_are_refused(client: AsyncClient, url: str) -> None:
    _, token = await signed_in(client, role="seller")
    problem = problem_of(await register(client, token, url=url), 422, "validationError")
    assert problem["errors"][0]["loc"] == ["body", "url"]


async def test_server_owned_and_unknown_fields_are_refused(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    extras: list[dict[str, object]] = [{"secret": "whsec_AAAA"}, {"id": "x"}, {"colour": "red"}]
    for extra in extras:
        problem_of(await register(client, token, extra=extra), 422, "validationError")


async def test_an_account_keeps_at_most_ten_endpoints(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    for _ in range(10):
        assert (await register(client, token)).status_code == 201
    problem_of(await register(client, token), 409, "tooManyWebhooks")
    first = (await client.get(f"{API}/webhooks", headers=bearer(token))).json()["items"][0]
    await client.delete(f"{API}/webhooks/{first['id']}", headers=bearer(token))
    assert (await register(client, token)).status_code == 201
