"""The `http/*.http` files cover every operation of the API, and can be pointed anywhere."""

import re
from pathlib import Path

import pytest

from src.config.settings import PROJECT_ROOT

HTTP_FILES = sorted((PROJECT_ROOT / "http").glob("*.http"))
BASE_URL = "{{baseUrl}}"
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)(?:\s+HTTP/\S+)?\s*$")
# `@baseUrl = …`, `exports.baseUrl = …`, `$global.baseUrl = …`; not `baseUrl == …`.
SETS_BASE_URL = re.compile(r"(^|[@.\s])baseUrl\s*=(?!=)")


def requests_in(text: str) -> list[tuple[str, str]]:
    """The method and URL (query left out) of every request line of a `.http` file."""
    matches = (REQUEST_LINE.match(line) for line in text.splitlines())
    return [(match[1], match[2].split("?")[0]) for match in matches if match]


def _code_lines(text: str) -> list[str]:
    """The lines of a `.http` file that are not comments (where commands may say `baseUrl=`)."""
    return [line for line in text.splitlines() if not line.lstrip().startswith(("#", "//"))]


def _template_pattern(template: str) -> re.Pattern[str]:
    """A path template as a pattern: a `{parameter}` stands for any segment, value or variable."""
    parts = re.split(r"\{[^}/]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "$")


def operations_sent(requests: list[tuple[str, str]], templates: list[str]) -> set[tuple[str, str]]:
    """The (method, path template) each request reaches. A path that fits several templates
    reaches the one with the fewest parameters, as routing does (`/users/me`, not `/users/{id}`)."""
    patterns = {template: _template_pattern(template) for template in templates}
    sent = set()
    for method, url in requests:
        path = url.removeprefix(BASE_URL)
        fitting = [template for template, pattern in patterns.items() if pattern.match(path)]
        if fitting:
            sent.add((method, min(fitting, key=lambda template: template.count("{"))))
    return sent


def api_operations() -> set[tuple[str, str]]:
    """Every (method, path template) of the assembled app's OpenAPI schema."""
    from src.main import app  # noqa: PLC0415 - the assembled app, schema and all

    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def test_every_operation_of_the_schema_is_sent_by_some_http_file() -> None:
    operations = api_operations()
    requests = [request for path in HTTP_FILES for request in requests_in(path.read_text())]
    sent = operations_sent(requests, sorted({path for _, path in operations}))
    assert operations - sent == set()


def test_a_request_reaches_the_most_literal_template_and_comments_send_nothing() -> None:
    text = (
        "#   DELETE {{baseUrl}}/api/v1/users/{{userId}}\n"
        "GET {{baseUrl}}/api/v1/users/me HTTP/1.1\n"
        "PATCH {{baseUrl}}/api/v1/users/not-a-uuid?x=1\n"
    )
    templates = ["/api/v1/users/me", "/api/v1/users/{user_id}"]
    assert operations_sent(requests_in(text), templates) == {
        ("GET", "/api/v1/users/me"), ("PATCH", "/api/v1/users/{user_id}"),
    }  # fmt: skip


@pytest.mark.parametrize("path", HTTP_FILES, ids=lambda path: path.name)
def test_no_http_file_sets_base_url_and_every_request_goes_to_it(path: Path) -> None:
    text = path.read_text()
    assert [line for line in _code_lines(text) if SETS_BASE_URL.search(line)] == []
    requests = requests_in(text)
    assert requests, "a file with no request"
    assert [url for _, url in requests if not url.startswith(f"{BASE_URL}/")] == []


def test_setting_base_url_is_recognised_but_comparing_it_is_not() -> None:
    setting = ["@baseUrl = http://example.com", "  exports.baseUrl = 'x';", "$global.baseUrl='x'"]
    assert all(SETS_BASE_URL.search(line) for line in setting)
    assert not SETS_BASE_URL.search("?? js baseUrl == http://example.com")
    assert _code_lines("#   httpyac send a.http --var baseUrl=http://x\n// baseUrl = 1") == []
