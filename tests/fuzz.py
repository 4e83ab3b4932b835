"""Property-based fuzzing of the live API with schemathesis, as each role.

    python -m tests.fuzz                      # a long run: 200 examples per operation
    python -m tests.fuzz --max-examples 5     # what the gate runs (tests/e2e/test_fuzz.py)
    python -m tests.fuzz --workers 2 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Starts a server on an empty database (a new SQLite file, or a new PostgreSQL database on the
server --database-url names, dropped afterwards; one uvicorn process, or gunicorn with
--workers), with rate limits out of the way: the fuzzer is one client sending thousands of
requests. Registers a buyer, a seller and an admin, and runs `st run` against the OpenAPI
schema once anonymously and once with each role's token, with every check and every phase,
the stateful one included. Checks are configured in `tests/schemathesis.toml`: an operation
whose refusals depend on meaning, not on shape (an altered cursor, an unknown product, a
reused idempotency key) may answer schema-valid input with the 422 the contract documents for
it. Prints, per role, how many operations the stateful phase reached with an answer other
than 404 (read from schemathesis' NDJSON event report): how far the OpenAPI links lead it
past made-up ids. Exits non-zero on any failure.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from src.config.settings import PROJECT_ROOT
from tests.e2e.servers import fresh_database, migrate, server_environment, serving

CONFIG = PROJECT_ROOT / "tests" / "schemathesis.toml"
SCHEMATHESIS = str(Path(sys.executable).with_name("st"))  # the `st` of this environment
PASSWORD = "correct horse battery"


def _token(base_url: str, role: str, environment: dict[str, str]) -> str:
    email = f"fuzz-{role}-{uuid4().hex[:8]}@example.com"
    if role == "admin":
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "seed.create_admin", "--email", email, "--password", PASSWORD],
            cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True,
        )  # fmt: skip
    else:
        body = {"email": email, "password": PASSWORD, "fullName": role.title(), "role": role}
        httpx.post(f"{base_url}/api/v1/auth/register", json=body).raise_for_status()
    login = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    return str(login.json()["accessToken"])


@dataclass
class StatefulReach:
    """What the stateful phase reached, from schemathesis' NDJSON event report."""

    operations: int = 0  # in the schema
    answered: set[str] = field(default_factory=set)  # `METHOD /path`s answered other than 404
    succeeded: set[str] = field(default_factory=set)  # those of them answered with a 2xx

    @classmethod
    def read(cls, events: Path) -> "StatefulReach":
        reach = cls()
        with events.open(encoding="utf-8") as lines:
            for event in map(json.loads, lines):
                if "LoadingFinished" in event:
                    statistic = event["LoadingFinished"]["statistic"]
                    reach.operations = statistic["operations"]["total"]
                scenario = event.get("ScenarioFinished")
                if scenario is not None and scenario["phase"] == "stateful":
                    reach._add(scenario["recorder"])
        return reach

    def _add(self, recorder: dict[str, Any]) -> None:
        for case_id, interaction in recorder.get("interactions", {}).items():
            status = (interaction.get("response") or {}).get("status_code", 404)
            if status == 404:
                continue
            case = recorder["cases"][case_id]["value"]
            operation = f"{case['method'].upper()} {case['path']}"
            self.answered.add(operation)
            if 200 <= status < 300:
                self.succeeded.add(operation)

    def __str__(self) -> str:
        return (
            f"stateful phase reached {len(self.answered)} of {self.operations} operations"
            f" with an answer other than 404 ({len(self.succeeded)} with a 2xx):"
            f" {', '.join(sorted(self.answered))}"
        )


def fuzz(
    base_url: str,
    environment: dict[str, str],
    *,
    max_examples: int,
    seed: int,
    roles: list[str],
    reports: Path,
) -> dict[str, int]:
    """Each role's `st run` exit code (0: no failure)."""
    outcomes = {}
    for role in roles:
        events = reports / f"{role}.ndjson"
        command = [
            SCHEMATHESIS, "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json",
            "--max-examples", str(max_examples), "--seed", str(seed), "--workers", "1",
            "--report", "ndjson", "--report-ndjson-path", str(events),
        ]  # fmt: skip
        if role != "anonymous":
            command += ["--header", f"Authorization: Bearer {_token(base_url, role, environment)}"]
        done = subprocess.run(  # noqa: S603 - our own arguments
            command, check=False, cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        outcomes[role] = done.returncode
        summary = [line for line in done.stdout.splitlines() if "passed" in line or "fail" in line]
        print(f"{role:<10} exit {done.returncode}: {summary[-1] if summary else ''}", flush=True)
        print(f"{'':<10} {StatefulReach.read(events)}", flush=True)
        if done.returncode:
            print(done.stdout[-8000:], flush=True)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--roles", default="anonymous,buyer,seller,admin")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (default SQLite)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: uvicorn)")
    arguments = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-") as folder,
        fresh_database(Path(folder), arguments.database_url, purpose="fuzz") as database_url,
    ):
        environment = server_environment(
            database_url, Path(folder) / "logs",
            AUTH__LOGIN_ATTEMPTS_PER_MINUTE="1000000", LOG__LEVEL="WARNING",
        )  # fmt: skip
        migrate(environment)
        with serving(environment, workers=arguments.workers) as base_url:
            outcomes = fuzz(
                base_url, environment, max_examples=arguments.max_examples, seed=arguments.seed,
                roles=arguments.roles.split(","), reports=Path(folder),
            )  # fmt: skip
    return 0 if not any(outcomes.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
