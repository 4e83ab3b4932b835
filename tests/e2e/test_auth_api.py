"""The accounts and authentication contract of API.md, over HTTP."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from src.application.users import ensure_admin_account
from tests.conftest import TEST_SECRET
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


async def test_register_answers_201_with_the_user_and_its_location(client: AsyncClient) -> None:
    email = new_email()
    response = await client.post(
        f"{API}/auth/register",
        json={"email": email, "password": PASSWORD, "fullName": "Ada Lovelace", "role": "seller"},
    )
    assert response.status_code == 201
    user = response.json()
    assert set(user) == {"id", "email", "fullName", "role", "createdAt"}
    assert (user["email"], user["fullName"], user["role"]) == (email, "Ada Lovelace", "seller")
    assert response.headers["location"] == f"{API}/users/{user['id']}"
    created = datetime.fromisoformat(user["createdAt"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)


async def test_register_defaults_to_buyer_and_accepts_snake_case(client: AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"email": new_email(), "password": PASSWORD, "full_name": "Snake Case"},
    )
    assert response.status_code == 201
    assert (response.json()["role"], response.json()["fullName"]) == ("buyer", "Snake Case")


async def test_a_duplicate_email_in_any_case_is_409_email_taken(client: AsyncClient) -> None:
    email = new_email()
    await register(client, email=email)
    response = await client.post(
        f"{API}/auth/register",
        json={"email": email.upper(), "password": PASSWORD, "fullName": "Again"},
    )
    problem_of(response, 409, "emailTaken")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "short"}, "password"),
        ({"role": "admin"}, "role"),
        ({"role": "superuser"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@mail.test"}, "email"),  # a special-use domain: no mail reaches it
        ({"fullName": "   "}, "fullName"),
        ({"fullName": "x" * 201}, "fullName"),
        ({"id": "2b0b4c1e-8e6b-4a43-9d5c-1b8f0f7f8a10"}, "id"),
        ({"createdAt": "2026-01-01T00:00:00Z"}, "createdAt"),
        ({"nickname": "ada"}, "nickname"),
    ],
)
async def test_invalid_registrations_are_422_naming_the_field(
    client: AsyncClient, changes: dict[str, str], field: str
) -> None:
    body = {"email": new_email(), "password": PASSWORD, "fullName": "Ada", **changes}
    problem = problem_of(
        await client.post(f"{API}/auth/register", json=body), 422, "validationError"
    )
    assert any(error["loc"][-1] == field for error in problem["errors"]), problem


async def test_the_register_schema_says_which_well_formed_emails_it_refuses(
    client: AsyncClient,
) -> None:
    """Found by schemathesis: `format: email` alone let `x@y.test` look acceptable."""
    schema = (await client.get("/openapi.json")).json()
    email = schema["components"]["schemas"]["RegisterRequest"]["properties"]["email"]
    assert "special-use domain" in email["description"]
    assert "`.test`" in email["description"]


async def test_login_returns_a_token_pair(client: AsyncClient) -> None:
    user = await register(client)
    pair = await login(client, user["email"].upper())
    assert set(pair) == {"accessToken", "refreshToken", "tokenType", "expiresIn"}
    assert (pair["tokenType"], pair["expiresIn"]) == ("bearer", 900)
    claims = jwt.decode(pair["accessToken"], TEST_SECRET, algorithms=["HS256"])
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] == 900


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(
    client: AsyncClient,
) -> None:
    user = await register(client)
    wrong = await client.post(
        f"{API}/auth/login", json={"email": user["email"], "password": "wrong password"}
    )
    unknown = await client.post(
        f"{API}/auth/login", json={"email": new_email(), "password": "wrong password"}
    )
    problem_of(wrong, 401, "invalidCredentials")
    assert wrong.json() == problem_of(unknown, 401, "invalidCredentials")


async def test_the_sixth_failed_login_within_a_minute_is_429_with_retry_after(
    client: AsyncClient,
) -> None:
    user = await register(client)
    attempt = {"email": user["email"], "password": "wrong password"}
    for _ in range(5):
        problem_of(await client.post(f"{API}/auth/login", json=attempt), 401, "invalidCredentials")
    limited = await client.post(f"{API}/auth/login", json=attempt)
    problem_of(limited, 429, "rateLimited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    correct = {"email": user["email"], "password": PASSWORD}
    problem_of(await client.post(f"{API}/auth/login", json=correct), 429, "rateLimited")


async def test_failed_logins_are_also_limited_per_email_across_addresses(
    app: FastAPI, client: AsyncClient
) -> None:
    from httpx import ASGITransport  # noqa: PLC0415 - a second client from another address

    user = await register(client)
    attempt = {"email": user["email"], "password": "wrong password"}
    for _ in range(5):
        await client.post(f"{API}/auth/login", json=attempt)
    elsewhere = ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with AsyncClient(transport=elsewhere, base_url="http://test") as other:
        problem_of(await other.post(f"{API}/auth/login", json=attempt), 429, "rateLimited")


async def test_the_oauth2_token_endpoint_answers_the_rfc_6749_shape(client: AsyncClient) -> None:
    user = await register(client)
    response = await client.post(
        f"{API}/auth/token", data={"username": user["email"], "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer"
    me = await client.get(f"{API}/users/me", headers=bearer(token["access_token"]))
    assert me.json()["id"] == user["id"]
    wrong = await client.post(
        f"{API}/auth/token", data={"username": user["email"], "password": "nope nope"}
    )
    problem_of(wrong, 401, "invalidCredentials")


async def test_the_token_form_documents_what_it_refuses(client: AsyncClient) -> None:
    """Found by schemathesis: an empty username or password, and a `grant_type` the schema let
    be null (which a form can only send as the text "null"), were valid by the schema but 422."""
    user = await register(client)
    for form in (
        {"username": "", "password": PASSWORD},
        {"username": user["email"], "password": ""},
        {"username": user["email"], "password": PASSWORD, "grant_type": "null"},
    ):
        problem_of(await client.post(f"{API}/auth/token", data=form), 422, "validationError")
    accepted = {"username": user["email"], "password": PASSWORD, "grant_type": "password"}
    assert (await client.post(f"{API}/auth/token", data=accepted)).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    body = schema["paths"][f"{API}/auth/token"]["post"]["requestBody"]
    reference = body["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]["properties"]
    assert fields["username"]["minLength"] == fields["password"]["minLength"] == 1
    assert fields["grant_type"]["const"] == "password"
    assert "null" not in str(fields)


async def test_refresh_rotates_the_pair_and_the_old_token_stops_working(
    client: AsyncClient,
) -> None:
    user = await register(client)
    first = await login(client, user["email"])
    second = await client.post(f"{API}/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert second.status_code == 200
    assert second.json()["refreshToken"] != first["refreshToken"]
    me = await client.get(f"{API}/users/me", headers=bearer(second.json()["accessToken"]))
    assert me.json()["id"] == user["id"]


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_login(
    client: AsyncClient,
) -> None:
    user = await register(client)
    first = await login(client, user["email"])
    other_login = await login(client, user["email"])
    rotated = (
        await client.post(f"{API}/auth/refresh", json={"refreshToken": first["refreshToken"]})
    ).json()
    reuse = await client.post(f"{API}/auth/refresh", json={"refreshToken": first["refreshToken"]})
    problem_of(reuse, 401, "unauthorized")
    newest = await client.post(
        f"{API}/auth/refresh", json={"refreshToken": rotated["refreshToken"]}
    )
    problem_of(newest, 401, "unauthorized")
    unaffected = await client.post(
        f"{API}/auth/refresh", json={"refreshToken": other_login["refreshToken"]}
    )
    assert unaffected.status_code == 200


async def test_logout_revokes_the_login_and_needs_no_access_token(client: AsyncClient) -> None:
    user = await register(client)
    pair = await login(client, user["email"])
    rotated = (
        await client.post(f"{API}/auth/refresh", json={"refreshToken": pair["refreshToken"]})
    ).json()
    response = await client.post(
        f"{API}/auth/logout", json={"refreshToken": rotated["refreshToken"]}
    )
    assert (response.status_code, response.content) == (204, b"")
    problem_of(
        await client.post(f"{API}/auth/refresh", json={"refreshToken": rotated["refreshToken"]}),
        401,
        "unauthorized",
    )
    again = await client.post(f"{API}/auth/logout", json={"refreshToken": rotated["refreshToken"]})
    assert again.status_code == 204


@pytest.mark.parametrize("token", ["", "garbage", "a" * 512])
async def test_unknown_refresh_tokens_are_401(client: AsyncClient, token: str) -> None:
    response = await client.post(f"{API}/auth/refresh", json={"refreshToken": token})
    if token:
        problem_of(response, 401, "unauthorized")
    else:
        problem_of(response, 422, "validationError")


async def test_me_needs_a_valid_access_token(client: AsyncClient) -> None:
    problem = problem_of(await client.get(f"{API}/users/me"), 401, "unauthorized")
    assert problem["detail"]
    expired = jwt.encode(
        {
            "sub": "2b0b4c1e-8e6b-4a43-9d5c-1b8f0f7f8a10",
            "role": "admin",
            "typ": "access",
            "iat": datetime.now(UTC) - timedelta(hours=2),
            "exp": datetime.now(UTC) - timedelta(hours=1),
        },
        TEST_SECRET,
        algorithm="HS256",
    )
    for header in ("Bearer nonsense", f"Bearer {expired}", "Basic dXNlcjpwYXNz"):
        response = await client.get(f"{API}/users/me", headers={"Authorization": header})
        problem_of(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_alg_none_tokens_are_401(client: AsyncClient) -> None:
    _user, token = await signed_in(client)
    header, payload, _ = token.split(".")
    none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    forged = f"{none_header}.{payload}."
    problem_of(await client.get(f"{API}/users/me", headers=bearer(forged)), 401, "unauthorized")
    assert header != none_header


async def test_me_can_change_the_name_and_password(client: AsyncClient) -> None:
    user, token = await signed_in(client)
    response = await client.patch(
        f"{API}/users/me",
        headers=bearer(token),
        json={"fullName": "New Name", "password": "another password"},
    )
    assert response.status_code == 200
    assert response.json()["fullName"] == "New Name"
    await login(client, user["email"], "another password")
    wrong = await client.post(
        f"{API}/auth/login", json={"email": user["email"], "password": PASSWORD}
    )
    problem_of(wrong, 401, "invalidCredentials")


@pytest.mark.parametrize(
    "body",
    [{"password": "short"}, {"role": "admin"}, {"email": "x@example.com"}, {"fullName": ""}],
)
async def test_me_refuses_invalid_changes_and_server_owned_fields(
    client: AsyncClient, body: dict[str, str]
) -> None:
    _, token = await signed_in(client)
    response = await client.patch(f"{API}/users/me", headers=bearer(token), json=body)
    problem_of(response, 422, "validationError")


async def test_users_can_read_their_own_account_but_not_others(client: AsyncClient) -> None:
    me, token = await signed_in(client)
    other = await register(client)
    own = await client.get(f"{API}/users/{me['id']}", headers=bearer(token))
    assert own.json() == me
    problem_of(
        await client.get(f"{API}/users/{other['id']}", headers=bearer(token)), 404, "notFound"
    )


async def test_only_admins_list_users_and_every_user_appears_exactly_once(
    client: AsyncClient,
) -> None:
    created = [await register(client) for _ in range(7)]
    _, buyer_token = await signed_in(client)
    problem_of(await client.get(f"{API}/users", headers=bearer(buyer_token)), 403, "forbidden")
    await ensure_admin_account(email="root@example.com", password=PASSWORD, full_name="Root")
    admin_token = (await login(client, "root@example.com"))["accessToken"]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/users", headers=bearer(admin_token), params=params)).json()
        seen += [user["id"] for user in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
        await register(client)  # new users arrive meanwhile; they must not disturb the walk
    assert len(seen) == len(set(seen))
    assert {user["id"] for user in created} <= set(seen)
    assert all(UUID(user_id) for user_id in seen)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "garbage"}])
async def test_bad_paging_parameters_are_422(
    client: AsyncClient, params: dict[str, str | int]
) -> None:
    await ensure_admin_account(email="root@example.com", password=PASSWORD, full_name="Root")
    token = (await login(client, "root@example.com"))["accessToken"]
    response = await client.get(f"{API}/users", headers=bearer(token), params=params)
    problem_of(response, 422, "validationError")


async def test_create_admin_is_idempotent_and_promotes_an_existing_account(
    client: AsyncClient,
) -> None:
    user = await register(client)
    promoted, created = await ensure_admin_account(
        email=user["email"], password="admin password", full_name="ignored"
    )
    assert (created, promoted.role.value, str(promoted.id)) == (False, "admin", user["id"])
    again, created_again = await ensure_admin_account(
        email=user["email"], password="admin password", full_name="ignored"
    )
    assert (created_again, again.id) == (False, promoted.id)
    token = (await login(client, user["email"], "admin password"))["accessToken"]
    assert (await client.get(f"{API}/users", headers=bearer(token))).status_code == 200


def _forge(claims: dict[str, object], key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _claims_of(user_id: UUID, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user_id), "role": "buyer", "typ": "access",
        "iat": now, "exp": now + timedelta(minutes=5),
    }  # fmt: skip
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


async def test_every_forged_expired_or_incomplete_token_is_401(client: AsyncClient) -> None:
    """The OWASP token attacks, each against a real account: only the genuine token works."""
    user, token = await signed_in(client)
    user_id = UUID(user["id"])
    now = datetime.now(UTC)
    header, _, signature = token.split(".")
    admin_payload = _forge(_claims_of(user_id, role="admin")).split(".")[1]
    attacks = {
        "another key": _forge(_claims_of(user_id), key="a-guessed-secret-" + "x" * 32),
        "another algorithm": _forge(_claims_of(user_id), key=TEST_SECRET * 2, algorithm="HS512"),
        "expired": _forge(_claims_of(user_id, iat=now - timedelta(hours=1), exp=now)),
        "not yet valid": _forge(_claims_of(user_id, nbf=now + timedelta(minutes=5))),
        "no subject": _forge(_claims_of(user_id, sub=None)),
        "no expiry": _forge(_claims_of(user_id, exp=None)),
        "no issue time": _forge(_claims_of(user_id, iat=None)),
        "a refresh token's type": _forge(_claims_of(user_id, typ="refresh")),
        "a tampered payload": f"{header}.{admin_payload}.{signature}",
        "no signature": f"{header}.{token.split('.')[1]}.",
    }
    assert (await client.get(f"{API}/users/me", headers=bearer(token))).status_code == 200
    for attack, forged in attacks.items():
        response = await client.get(f"{API}/users/me", headers=bearer(forged))
        assert response.status_code == 401, attack
        problem_of(response, 401, "unauthorized")
