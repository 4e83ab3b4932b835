"""The live OpenAPI document passes Redocly's recommended rules and Spectral's OpenAPI and
OWASP API Security rules, with the versions tests/openapi/package-lock.json pins.

Redocly: no error and no warning. Spectral: nothing reported but what tests/openapi/.spectral.yaml
waives, each waiver with its reason. The document is the one the app serves, built in-process.
Needs Node.js and npm (`npm ci` installs the linters into tests/openapi/node_modules the first
time, from the npm registry); skipped where they are missing.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from src.config.settings import PROJECT_ROOT
from src.main import create_marketplace
from tests.conftest import make_settings

LINTERS = PROJECT_ROOT / "tests" / "openapi"
NPM = shutil.which("npm")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NPM is None or NODE is None, reason="needs Node.js and npm (apt-get install nodejs npm)"
)
# Spectral's severities, by number.
SEVERITIES = {0: "error", 1: "warning", 2: "info", 3: "hint"}
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


def _run(*command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the pinned linters, on a file of our own
        command,
        cwd=LINTERS,
        env={**os.environ, **QUIET},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _tool(name: str) -> str:
    return str(LINTERS / "node_modules" / ".bin" / name)


@pytest.fixture(scope="module")
def linters() -> None:
    """The pinned linters in tests/openapi/node_modules, installed with `npm ci` if missing."""
    if all(Path(_tool(name)).exists() for name in ("redocly", "spectral")):
        return
    assert NPM is not None
    installed = _run(NPM, "ci", "--no-audit", "--no-fund", timeout=600)
    assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}\n{installed.stderr}"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document the app serves, in a file of its own."""
    folder = tmp_path_factory.mktemp("openapi")
    app = create_marketplace(make_settings(f"sqlite+aiosqlite:///{folder / 'unused.db'}"))
    path = folder / "openapi.json"
    path.write_text(json.dumps(app.openapi(), indent=2))
    return path


def _where(pointer: Any) -> str:
    return "/".join(str(part) for part in pointer) if isinstance(pointer, list) else str(pointer)


def _json_output(finished: subprocess.CompletedProcess[str], tool: str) -> Any:
    try:
        return json.loads(finished.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{tool} gave no JSON report:\n{finished.stdout}\n{finished.stderr}")


@pytest.mark.usefixtures("linters")
def test_redocly_recommended_rules_report_nothing(document: Path) -> None:
    finished = _run(
        _tool("redocly"), "lint", "--config", "redocly.yaml", "--format", "json", str(document)
    )
    report = _json_output(finished, "Redocly")
    problems = [
        f"{problem['severity']} {problem['ruleId']} at "
        f"{', '.join(where['pointer'] for where in problem['location'])}: {problem['message']}"
        for problem in report["problems"]
    ]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
    assert report["totals"]["errors"] == report["totals"]["warnings"] == 0


@pytest.mark.usefixtures("linters")
def test_spectral_oas_and_owasp_rules_report_nothing_but_the_waivers(document: Path) -> None:
    finished = _run(
        _tool("spectral"), "lint", "--ruleset", ".spectral.yaml", "--format", "json",
        "--quiet", str(document),
    )  # fmt: skip
    report = _json_output(finished, "Spectral")
    problems = [
        f"{SEVERITIES[problem['severity']]} {problem['code']} at {_where(problem['path'])}: "
        f"{problem['message']}"
        for problem in report
    ]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
