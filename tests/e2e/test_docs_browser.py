"""`/docs` in a real browser: headless Chromium, no network beyond the server itself.

Every tag and every operation of the schema must render by name. In each tag, the operation
with the most parts must open without an error, showing the parameters, request body and
responses the schema gives it (opening one takes Swagger UI about a second, so all 70 would
take minutes; the schema itself is checked against the API by the contract tests). "Authorize"
with the email and password of an account made by `python -m seed.create_admin` must then
make a protected call work from the page. Needs Debian's `chromium` (`.ci/run` installs it);
skipped where it is missing.
"""

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.e2e.helpers import API, PASSWORD
from tests.e2e.servers import migrate, server_environment, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.database,
    pytest.mark.server,
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api")
LOCAL = {"127.0.0.1", "localhost"}
OPEN = re.compile(r"\bis-open\b")
ADMIN_EMAIL = "docs-admin@example.com"
# What Swagger UI shows instead of a part it failed to render, and its error pane.
ERROR_BOXES = ".swagger-ui .fallback, .swagger-ui .errors-wrapper"
# What an opened operation shows: its parameters, whether it has a request body, its
# response codes, and how many parts of it failed to render.
SHOWN = """block => [
    [...block.querySelectorAll('.parameters-container tr[data-param-name]')]
        .map(row => [row.dataset.paramName, row.dataset.paramIn]),
    block.querySelector('.opblock-section-request-body') !== null,
    [...block.querySelectorAll('tr.response[data-code]')].map(row => row.dataset.code),
    block.querySelectorAll('.fallback').length,
]"""


@pytest.fixture
def server(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A server whose only account is an admin made by the seed script, as operators do."""
    environment = server_environment(empty_database_url, tmp_path / "logs")
    migrate(environment)
    with serving(environment) as base_url:
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "seed.create_admin",
             "--email", ADMIN_EMAIL, "--password", PASSWORD],
            cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True,
        )  # fmt: skip
        yield base_url


def test_docs_render_every_tag_and_operation_and_authorize_makes_calls_work(server: str) -> None:
    schema = httpx.get(f"{server}/openapi.json").json()
    outside: list[str] = []
    failures: list[str] = []

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()

        def only_local(route: Any) -> None:
            if urlsplit(route.request.url).hostname in LOCAL:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
        page.on("console", lambda message: _note_console_error(message, failures))
        page.goto(f"{server}/docs")
        page.wait_for_selector(".opblock", timeout=20_000)

        _assert_every_tag_renders_by_name(page, schema)
        _assert_every_operation_renders_and_the_largest_of_each_tag_opens(page, schema)
        me = _operation_block(page, schema, f"{API}/users/me", "get")
        me.locator(".opblock-summary-control").click()
        me.locator(".try-out__btn").click()
        _assert_answer(me, 401)  # the docs do not call as anyone until authorized
        _authorize(page, ADMIN_EMAIL, PASSWORD)
        body = _assert_answer(me, 200)
        assert (body["email"], body["role"]) == (ADMIN_EMAIL, "admin")
        assert page.locator(ERROR_BOXES).count() == 0
        browser.close()

    assert outside == [], f"the docs reached beyond the server: {outside}"
    assert failures == [], failures


def _note_console_error(message: Any, failures: list[str]) -> None:
    # The 401 the page provokes on purpose is logged by Chromium as a failed resource.
    if message.type == "error" and "status of 401" not in message.text:
        failures.append(f"console error: {message.text}")


def _assert_every_tag_renders_by_name(page: Any, schema: dict[str, Any]) -> None:
    used = {tag for item in schema["paths"].values() for op in item.values() for tag in op["tags"]}
    declared = {tag["name"] for tag in schema["tags"]}
    assert used == declared  # every declared tag has operations, so Swagger UI shows it
    rendered = [tag.get_attribute("data-tag") for tag in page.locator("h3.opblock-tag").all()]
    assert sorted(rendered) == sorted(used)
    for name in used:
        heading = page.locator(f"h3.opblock-tag[data-tag='{name}']")
        assert heading.inner_text().splitlines()[0].strip() == name


def _assert_every_operation_renders_and_the_largest_of_each_tag_opens(
    page: Any, schema: dict[str, Any]
) -> None:
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    rendered = {
        (block.locator(".opblock-summary-path").get_attribute("data-path"),
         block.locator(".opblock-summary-method").inner_text().lower())
        for block in page.locator(".opblock").all()
    }  # fmt: skip
    assert rendered == operations
    assert page.locator(".opblock").count() == len(operations)
    for path, method in _largest_of_each_tag(schema):
        operation = schema["paths"][path][method]
        block = _operation_block(page, schema, path, method)
        block.locator(".opblock-summary-control").click()
        block.locator(".opblock-body .responses-table").wait_for(timeout=10_000)
        parameters, has_body, codes, errors = block.evaluate(SHOWN)
        expected = [[each["name"], each["in"]] for each in operation.get("parameters", [])]
        where = f"{method.upper()} {path}"
        assert sorted(parameters) == sorted(expected), where
        assert has_body == ("requestBody" in operation), where
        assert sorted(codes) == sorted(operation["responses"]), where
        assert errors == 0, where
        block.locator(".opblock-summary-control").click()  # closed again, as it was
        sync_api.expect(block).not_to_have_class(OPEN, timeout=10_000)
    assert page.locator(ERROR_BOXES).count() == 0


def _largest_of_each_tag(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, method) of the operation of each tag with the most parameters, request body
    and responses together (the first by path and method among equals)."""

    def size(operation: dict[str, Any]) -> int:
        parts = operation.get("parameters", []), operation["responses"]
        return sum(map(len, parts)) + ("requestBody" in operation)

    largest: dict[str, tuple[int, str, str]] = {}
    for path, item in sorted(schema["paths"].items()):
        for method, operation in sorted(item.items()):
            tag, candidate = operation["tags"][0], (size(operation), path, method)
            if tag not in largest or candidate[0] > largest[tag][0]:
                largest[tag] = candidate
    return [(path, method) for _, path, method in largest.values()]


def _block_id(operation: dict[str, Any]) -> str:
    return f"operations-{operation['tags'][0]}-{operation['operationId']}"


def _operation_block(page: Any, schema: dict[str, Any], path: str, method: str) -> Any:
    return page.locator(f"#{_block_id(schema['paths'][path][method])}")


def _authorize(page: Any, email: str, password: str) -> None:
    """Log in through the Authorize dialog (OAuth2 password flow), as a reader of the docs."""
    page.click("button.authorize")
    page.fill("#oauth_username", email)
    page.fill("#oauth_password", password)
    page.click(".auth-btn-wrapper button.authorize")
    # Swagger UI offers "Logout" only once the token endpoint has answered with a token.
    logout = page.locator(".auth-btn-wrapper button.authorize", has_text="Logout")
    logout.wait_for(timeout=10_000)
    assert page.locator(".auth-container .errors").count() == 0
    page.click(".auth-btn-wrapper button.btn-done")


def _assert_answer(block: Any, status: int) -> dict[str, Any]:
    """Execute the opened operation; assert the page shows `status`, and return the body."""
    block.locator("button.execute").click()
    shown = block.locator(".live-responses-table tr.response .response-col_status").first
    sync_api.expect(shown).to_have_text(str(status), timeout=10_000)
    text = block.locator(".live-responses-table .response-col_description .microlight").first
    body: dict[str, Any] = json.loads(text.inner_text())
    return body
