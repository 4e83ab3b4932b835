"""Clients generated from the live `/openapi.json`, as frontend teams make them, run a whole
buyer/seller journey against a live server (tests/clients/README.md).

- TypeScript: openapi-typescript (with its defaults, and with `--default-non-nullable
  false`) and openapi-fetch. The journey and the type-level claims of `contract.ts` must
  compile under `tsc --strict` with both generations, with no cast, `any` or `unknown` in the
  journey; the compiled journey then runs with node. Skipped where Node.js or npm is missing.
- Python: openapi-python-client in its own pinned environment (tests/clients/python/.venv,
  made here), generating with no warning; the journey must pass `mypy --strict` against the
  generated package, then runs.

One server serves both journeys: one uvicorn process on an empty database, paying through
the stand-in provider with one try per charge (an injected fault answers 503), and
throttling failed logins after three. Each journey says it comes from an address of its own
(X-Forwarded-For, believed from the local proxy), so their login throttles do not meet.
"""

import difflib
import filecmp
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.conftest import new_empty_database
from tests.e2e.servers import migrate, server_environment, serving, stand_in_provider

# Once, on SQLite: the clients check the document and the journey, not the database, so the
# PostgreSQL pass (`-m "database or redis"`) does not repeat them.
pytestmark = pytest.mark.server

CLIENTS = PROJECT_ROOT / "tests" / "clients"
TYPESCRIPT = CLIENTS / "typescript"
PYTHON = CLIENTS / "python"
NODE, NPM = shutil.which("node"), shutil.which("npm")
LOGIN_ATTEMPTS = 3  # the journeys' LOGIN_ATTEMPTS
INSTALL_TIMEOUT, RUN_TIMEOUT = 600, 180
WARNING = re.compile(r"warn|⚠", re.IGNORECASE)  # how openapi-typescript flags a warning


@dataclass(frozen=True)
class Live:
    base_url: str
    provider_url: str
    schema: Path  # the document the server serves, as fetched

    def journey_environment(self, client_address: str) -> dict[str, str]:
        """What a journey reads: where the server and the provider are, who it says it is."""
        return {
            "BASE_URL": self.base_url,
            "PROVIDER_URL": self.provider_url,
            "CLIENT_ADDRESS": client_address,
            "RUN_ID": uuid4().hex[:10],
        }


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("generated-clients")
    with stand_in_provider() as provider_url, new_empty_database(folder) as database_url:
        environment = server_environment(
            database_url, folder / "logs", LOG__LEVEL="WARNING",
            AUTH__LOGIN_ATTEMPTS_PER_MINUTE=str(LOGIN_ATTEMPTS),
            PAYMENTS__PROVIDER_URL=provider_url, PAYMENTS__ATTEMPTS="1",
        )  # fmt: skip
        migrate(environment)
        with serving(environment) as base_url:
            schema = folder / "openapi.json"
            document = httpx.get(f"{base_url}/openapi.json")
            document.raise_for_status()
            schema.write_bytes(document.content)
            yield Live(base_url, provider_url, schema)


def run(command: list[str], cwd: Path, *, timeout: int = RUN_TIMEOUT,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(  # noqa: S603 - our own tools and arguments
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return (done.stdout + done.stderr).strip()


def installed(lock: Path, stamp: Path, install: list[str], cwd: Path) -> None:
    """Run `install` unless `stamp` is a copy of `lock` (what the last install installed)."""
    if stamp.exists() and filecmp.cmp(lock, stamp, shallow=False):
        return
    done = run(install, cwd, timeout=INSTALL_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(install)} failed:\n{output(done)}"
    shutil.copyfile(lock, stamp)


# ---------------------------------------------------------------- TypeScript


@pytest.mark.skipif(NODE is None or NPM is None, reason="needs Node.js and npm")
def test_a_typescript_client_type_checks_strictly_and_runs_the_journey(live: Live) -> None:
    assert NODE is not None
    assert NPM is not None
    modules = TYPESCRIPT / "node_modules"
    installed(TYPESCRIPT / "package-lock.json", modules / ".installed-lock.json",
              [NPM, "ci", "--no-audit", "--no-fund"], TYPESCRIPT)  # fmt: skip
    bin_ = modules / ".bin"
    generated = TYPESCRIPT / "generated" / "api.d.ts"
    failures: list[str] = []

    checked = run([NODE, "check-source.mjs", "journey.ts"], TYPESCRIPT)
    if checked.returncode:
        failures.append(f"journey.ts must read bodies through the types:\n{output(checked)}")
    types: dict[str, list[str]] = {}
    # The defaults last, so that dist/ is what they compile to (the types do not reach the JS).
    for flags in (["--default-non-nullable", "false"], []):
        generation = " ".join(["openapi-typescript", *flags])
        done = run([str(bin_ / "openapi-typescript"), str(live.schema), "-o", str(generated),
                    *flags], TYPESCRIPT)  # fmt: skip
        assert done.returncode == 0, f"{generation} failed:\n{output(done)}"
        warnings = [line for line in output(done).splitlines() if WARNING.search(line)]
        if warnings:
            failures.append(f"{generation} warned:\n" + "\n".join(warnings))
        types[generation] = generated.read_text(encoding="utf-8").splitlines()
        compiled = run([str(bin_ / "tsc"), "-p", "tsconfig.json"], TYPESCRIPT)
        if compiled.returncode:
            failures.append(f"tsc --strict with {generation}:\n{_with_sources(output(compiled))}")
    # Where the two differ, whether a field is sent hangs on a `default` the document gives it.
    (strict, strict_types), (defaults, default_types) = types.items()
    differences = "\n".join(
        difflib.unified_diff(strict_types, default_types, strict, defaults, n=4, lineterm="")
    )
    if differences:
        failures.append(f"the two generations differ:\n{differences}")
    journey = run([NODE, "dist/journey.js"], TYPESCRIPT,
                  env=os.environ | live.journey_environment("203.0.113.10"))  # fmt: skip
    if journey.returncode:
        failures.append(f"the TypeScript journey:\n{output(journey)}")
    assert not failures, "\n\n".join(failures)


def _with_sources(errors: str) -> str:
    """tsc's errors, each followed by the source line it names (contract.ts names its claims)."""
    lines = []
    for line in errors.splitlines():
        lines.append(line)
        if found := re.match(r"^([\w./-]+\.ts)\((\d+),\d+\)", line):
            source = (TYPESCRIPT / found[1]).read_text(encoding="utf-8").splitlines()
            lines.append(f"    > {source[int(found[2]) - 1].strip()}")
    return "\n".join(lines)


# ---------------------------------------------------------------- Python


def test_a_python_client_generates_without_warnings_and_runs_the_journey(
    live: Live, tmp_path: Path
) -> None:
    environment = PYTHON / ".venv"
    python = environment / "bin" / "python"
    if not python.exists():
        done = run([sys.executable, "-m", "venv", str(environment)], PYTHON)
        assert done.returncode == 0, output(done)
    installed(PYTHON / "requirements.txt", environment / "requirements.installed",
              [str(python), "-m", "pip", "install", "-q", "-r", "requirements.txt"],
              PYTHON)  # fmt: skip
    # The generator runs ruff over what it wrote: the ruff of its own environment.
    tools = os.environ | {"PATH": f"{environment / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    package = tmp_path / "marketplace_client"
    done = run([str(environment / "bin" / "openapi-python-client"), "generate",
                "--path", str(live.schema), "--meta", "none", "--output-path", str(package),
                "--fail-on-warning"], PYTHON, env=tools)  # fmt: skip
    assert done.returncode == 0, f"openapi-python-client failed or warned:\n{output(done)}"
    assert "warning" not in output(done).lower(), output(done)

    importable = tools | {"PYTHONPATH": str(tmp_path), "MYPYPATH": str(tmp_path)}
    typed = run([str(python), "-m", "mypy", "--strict", "--no-incremental", "journey.py"],
                PYTHON, env=importable)  # fmt: skip
    journey = run([str(python), "journey.py"], PYTHON,
                  env=importable | live.journey_environment("203.0.113.20"))  # fmt: skip
    failures = [
        f"{what}:\n{output(done)}"
        for what, done in [("mypy --strict journey.py", typed), ("the Python journey", journey)]
        if done.returncode
    ]
    assert not failures, "\n\n".join(failures)
