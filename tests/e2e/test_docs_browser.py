"""`/docs` in a real browser: headless Chromium, no network beyond the server itself.

Every tag and operation of the schema must render, and "Authorize" with an account's email
and password must make a protected call work from the page. Needs Debian's `chromium`
(`.ci/run` installs it); skipped where it is missing.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.helpers import API, PASSWORD, new_email
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


@pytest.fixture
def server(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    environment = server_environment(empty_database_url, tmp_path / "logs")
    migrate(environment)
    with serving(environment) as base_url:
        yield base_url


def test_docs_render_every_operation_and_authorize_makes_calls_work(server: str) -> None:
    email = new_email("docs")
    account = {"email": email, "password": PASSWORD, "fullName": "Docs Reader", "role": "seller"}
    registered = httpx.post(f"{server}{API}/auth/register", json=account)
    assert registered.status_code == 201
    schema = httpx.get(f"{server}/openapi.json").json()
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    tags = {tag for item in schema["paths"].values() for op in item.values() for tag in op["tags"]}
    outside: list[str] = []

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
        page.goto(f"{server}/docs")
        page.wait_for_selector(".opblock", timeout=20_000)

        assert page.locator(".opblock-tag").count() == len(tags)
        assert page.locator(".opblock").count() == len(operations)
        rendered = {
            (block.locator(".opblock-summary-path").get_attribute("data-path"),
             block.locator(".opblock-summary-method").inner_text().lower())
            for block in page.locator(".opblock").all()
        }  # fmt: skip
        assert rendered == operations

        page.click("button.authorize")
        page.fill("#oauth_username", email)
        page.fill("#oauth_password", PASSWORD)
        page.click(".auth-btn-wrapper button.authorize")
        page.wait_for_selector(".auth-btn-wrapper button.btn-done", timeout=10_000)
        page.click(".auth-btn-wrapper button.btn-done")

        me = schema["paths"][f"{API}/users/me"]["get"]
        block = page.locator(f"#operations-{me['tags'][0]}-{me['operationId']}")
        block.locator(".opblock-summary").click()
        block.locator(".try-out__btn").click()
        block.locator("button.execute").click()
        status = block.locator(".live-responses-table tr.response .response-col_status").first
        status.wait_for(timeout=10_000)
        body = block.locator(".live-responses-table .microlight").first.inner_text()
        assert status.inner_text().strip() == "200"
        assert email in body
        browser.close()

    assert outside == [], f"the docs reached beyond the server: {outside}"
