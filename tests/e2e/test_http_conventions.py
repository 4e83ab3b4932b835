"""Conventions every response follows: request ids, problem details, limits, docs."""

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from httpx import ASGITransport, AsyncClient
from loguru import logger

from src.config.settings import HttpSettings, Settings
from src.infrastructure.web import create_app
from src.presentation.rest import API_ROUTERS, ROOT_ROUTERS
from tests.conftest import make_settings
from tests.e2e.helpers import (
    API,
    PASSWORD,
    bearer,
    login,
    new_email,
    problem_of,
    register,
    signed_in,
)

pytestmark = pytest.mark.database


async def test_every_response_carries_a_request_id(client: AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get(f"{API}/users/me")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_client_request_id_is_echoed_and_a_forged_one_replaced(client: AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "client-id-123"})
    assert echoed.headers["x-request-id"] == "client-id-123"
    forged = await client.get("/health", headers={"X-Request-ID": "evil\tline | INFO"})
    assert forged.headers["x-request-id"] != "evil\tline | INFO"


@contextmanager
def capture_logs() -> Iterator[list[str]]:
    """Every log line written meanwhile (add it after the app has configured logging)."""
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{extra[request_id]} {message}")
    yield lines
    logger.remove(sink)


@pytest.fixture
def captured_logs(client: AsyncClient) -> Iterator[list[str]]:
    with capture_logs() as lines:
        yield lines


async def test_log_lines_carry_the_request_id(
    client: AsyncClient, captured_logs: list[str]
) -> None:
    await client.get("/health", headers={"X-Request-ID": "trace-me-42"})
    assert any(line.startswith("trace-me-42 GET /health 200") for line in captured_logs)


async def test_no_password_or_hash_appears_in_any_response_or_log_line(
    client: AsyncClient, captured_logs: list[str]
) -> None:
    email, secret = new_email(), "a very secret password"
    responses = [
        await client.post(
            f"{API}/auth/register",
            json={"email": email, "password": secret, "fullName": "Secretive"},
        )
    ]
    pair = await login(client, email, secret)
    responses.append(await client.get(f"{API}/users/me", headers=bearer(pair["accessToken"])))
    responses.append(
        await client.patch(
            f"{API}/users/me",
            headers=bearer(pair["accessToken"]),
            json={"password": "another secret password"},
        )
    )
    responses.append(
        await client.post(f"{API}/auth/login", json={"email": email, "password": secret})
    )
    text = "\n".join([*(response.text for response in responses), *captured_logs])
    for forbidden in (secret, "another secret password", "$argon2", "passwordHash"):
        assert forbidden not in text


async def test_an_unknown_path_is_a_404_problem(client: AsyncClient) -> None:
    problem_of(await client.get(f"{API}/nothing-here"), 404, "notFound")


async def test_a_wrong_method_is_405_with_allow(client: AsyncClient) -> None:
    response = await client.delete(f"{API}/users/me")
    problem_of(response, 405, "methodNotAllowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "PATCH"}


@pytest.mark.parametrize("body", [b'{"email": ', b"\xff\xfe{", b"n\xc3\x28|"])
async def test_malformed_json_is_a_validation_error(client: AsyncClient, body: bytes) -> None:
    response = await client.post(
        f"{API}/auth/register", content=body, headers={"content-type": "application/json"}
    )
    problem = problem_of(response, 422, "validationError")
    assert problem["errors"][0]["loc"][0] == "body"


async def test_a_path_id_that_is_not_a_uuid_is_a_validation_error(client: AsyncClient) -> None:
    user = await register(client)
    token = (await login(client, user["email"]))["accessToken"]
    response = await client.get(f"{API}/users/not-a-uuid", headers=bearer(token))
    problem = problem_of(response, 422, "validationError")
    assert problem["errors"][0]["loc"] == ["path", "user_id"]


async def test_a_body_over_the_limit_is_413(database_url: str) -> None:
    app = create_app(
        make_settings(database_url, http=HttpSettings(max_body_bytes=1024)),
        api_routers=API_ROUTERS,
        root_routers=ROOT_ROUTERS,
    )
    body = {"email": new_email(), "password": PASSWORD, "fullName": "x" * 2000}
    async with app.router.lifespan_context(app), _client(app) as client:
        declared = await client.post(f"{API}/auth/register", json=body)
        problem_of(declared, 413, "payloadTooLarge")

        async def stream() -> AsyncIterator[bytes]:
            yield b'{"email": "a@example.com", "fullName": "'
            yield b"x" * 2048
            yield b'"}'

        streamed = await client.post(
            f"{API}/auth/register", content=stream(), headers={"content-type": "application/json"}
        )
        problem_of(streamed, 413, "payloadTooLarge")
        small = {"email": new_email(), "password": PASSWORD, "fullName": "Small"}
        assert (await client.post(f"{API}/auth/register", json=small)).status_code == 201
        # Whatever the method: the document says every operation may answer 413.
        probe = await client.request("GET", "/health", content=b"x" * 2048)
        problem_of(probe, 413, "payloadTooLarge")


def _client(app: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://test")


async def test_an_unexpected_error_is_a_bare_500_that_leaks_nothing(settings: Settings) -> None:
    broken = APIRouter()

    @broken.get("/broken")
    async def fail() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    app = create_app(settings, api_routers=[broken])
    async with app.router.lifespan_context(app), _client(app) as client:
        with capture_logs() as captured_logs:
            response = await client.get(f"{API}/broken", headers={"X-Request-ID": "boom-1"})
    problem = problem_of(response, 500, "internalError")
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert problem["detail"] == "An unexpected error occurred"
    assert response.headers["x-request-id"] == "boom-1"
    assert any(line.startswith("boom-1 unhandled error") for line in captured_logs)


async def test_readiness_is_503_while_the_database_does_not_answer(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir" / "db.sqlite"
    app = create_app(
        make_settings(f"sqlite+aiosqlite:///{missing_dir}"),
        api_routers=API_ROUTERS,
        root_routers=ROOT_ROUTERS,
    )
    async with app.router.lifespan_context(app), _client(app) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        problem_of(await client.get("/health/ready"), 503, "serviceUnavailable")


async def test_readiness_is_200_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_the_openapi_schema_lists_every_auth_path_with_problem_errors(
    client: AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path in ("register", "login", "token", "refresh", "logout"):
        assert f"{API}/auth/{path}" in schema["paths"]
    assert {f"{API}/users/me", f"{API}/users", f"{API}/users/{{user_id}}"} <= set(schema["paths"])
    conflict = schema["paths"][f"{API}/auth/register"]["post"]["responses"]["409"]
    assert conflict["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert (
        schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"][
            "tokenUrl"
        ]
        == f"{API}/auth/token"
    )


async def test_the_docs_and_their_assets_are_served_by_the_app_itself(client: AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    assert all(asset.startswith("/docs/assets/") for asset in assets)
    for asset in assets:
        assert (await client.get(asset)).status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200


async def test_a_problem_echoes_a_bounded_part_of_a_huge_bad_body(client: AsyncClient) -> None:
    """Ten thousand unknown fields are refused by naming the first hundred: the answer's
    size does not grow with the request's."""
    body = {f"field{index:05}{'x' * 2000 if index == 0 else ''}": 1 for index in range(10_000)}
    response = await client.post(f"{API}/auth/login", json=body)
    problem = response.json()
    assert response.status_code == 422
    assert len(problem["errors"]) == 100
    assert max(len(part) for error in problem["errors"] for part in map(str, error["loc"])) <= 1000
    assert len(response.content) < 50_000


NUL = "lamp\x00shade"
LAMP = {"title": "Lamp", "price": 4999, "stock": 1, "category": "lighting"}
ADDRESS = {"fullName": "Ada", "line1": "1 Road", "city": "London", "postalCode": "N1",
           "country": "GB"}  # fmt: skip
ORDER = {"items": [{"productId": "2b0b4c1e-8e6b-4a43-9d5c-1b8f0f7f8a10", "quantity": 1}]}
SIGN_UP = {"email": "nul@example.com", "password": PASSWORD}


@pytest.mark.parametrize(
    ("method", "path", "role", "request_", "field"),
    [
        ("GET", "/products", None, {"params": {"q": NUL}}, "q"),
        ("GET", "/products", None, {"params": {"category": NUL}}, "category"),
        ("POST", "/products", "seller", {"json": LAMP | {"title": NUL}}, "title"),
        ("POST", "/products", "seller", {"json": LAMP | {"description": NUL}}, "description"),
        ("POST", "/products", "seller", {"json": LAMP | {"category": NUL}}, "category"),
        ("POST", "/auth/register", None, {"json": SIGN_UP | {"fullName": NUL}}, "fullName"),
        ("PATCH", "/users/me", "buyer", {"json": {"fullName": NUL}}, "fullName"),
        ("POST", "/auth/login", None, {"json": {"email": NUL, "password": PASSWORD}}, "email"),
        ("POST", "/auth/token", None, {"data": {"username": NUL, "password": PASSWORD}},
         "username"),
        ("POST", "/orders", "buyer",
         {"json": ORDER | {"shippingAddress": ADDRESS | {"city": NUL}}}, "city"),
    ],
)  # fmt: skip
async def test_text_holding_a_nul_character_is_a_validation_error(  # noqa: PLR0917
    client: AsyncClient,
    method: str,
    path: str,
    role: str | None,
    request_: dict[str, Any],
    field: str,
) -> None:
    """Found by schemathesis on PostgreSQL, whose text cannot hold U+0000: a title, a search
    or a login holding one was a 500 there (and stored or matched on SQLite). Every database
    now gets the same 422, and the schema says so, for clients and fuzzers to know."""
    headers = bearer((await signed_in(client, role=role))[1]) if role else {}
    response = await client.request(method, f"{API}{path}", headers=headers, **request_)
    problem = problem_of(response, 422, "validationError")
    assert problem["errors"], problem
    assert all(field in error["loc"] for error in problem["errors"]), problem
