"""Property-based fuzzing of the live API with schemathesis, as each role.

    python -m tests.fuzz                      # a long run: 200 examples per operation
    python -m tests.fuzz --max-examples 10    # what the gate runs (tests/e2e/test_fuzz.py)

Starts a server on an empty SQLite database (with rate limits out of the way: the fuzzer is
one client sending thousands of requests), registers a buyer, a seller and an admin, and runs
`st run` against the OpenAPI schema once anonymously and once with each role's token, with
every check and every phase, the stateful one included. Checks are configured in
`tests/schemathesis.toml`: an operation whose refusals depend on meaning, not on shape (an
altered cursor, an unknown product, a reused idempotency key) may answer schema-valid input
with the 422 the contract documents for it. Exits non-zero on any failure.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from uuid import uuid4

import httpx

from src.config.settings import PROJECT_ROOT
from tests.e2e.servers import migrate, server_environment, serving

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


def fuzz(
    base_url: str,
    environment: dict[str, str],
    *,
    max_examples: int,
    seed: int,
    roles: list[str],
) -> dict[str, int]:
    """Each role's `st run` exit code (0: no failure)."""
    outcomes = {}
    for role in roles:
        command = [
            SCHEMATHESIS, "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json",
            "--max-examples", str(max_examples), "--seed", str(seed), "--workers", "1",
        ]  # fmt: skip
        if role != "anonymous":
            command += ["--header", f"Authorization: Bearer {_token(base_url, role, environment)}"]
        done = subprocess.run(  # noqa: S603 - our own arguments
            command, check=False, cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        outcomes[role] = done.returncode
        summary = [line for line in done.stdout.splitlines() if "passed" in line or "fail" in line]
        print(f"{role:<10} exit {done.returncode}: {summary[-1] if summary else ''}")
        if done.returncode:
            print(done.stdout[-8000:])
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--roles", default="anonymous,buyer,seller,admin")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        environment = server_environment(
            f"sqlite+aiosqlite:///{Path(folder) / 'fuzz.db'}", Path(folder) / "logs",
            AUTH__LOGIN_ATTEMPTS_PER_MINUTE="1000000", LOG__LEVEL="WARNING",
        )  # fmt: skip
        migrate(environment)
        with serving(environment) as base_url:
            outcomes = fuzz(
                base_url, environment, max_examples=arguments.max_examples, seed=arguments.seed,
                roles=arguments.roles.split(","),
            )  # fmt: skip
    return 0 if not any(outcomes.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
