"""Property-based fuzzing of the live API with schemathesis, as each role.

    python -m tests.fuzz                      # a long run: 200 examples per operation
    python -m tests.fuzz --max-examples 5 --coverage-roles buyer,admin   # what the gate runs
    python -m tests.fuzz --workers 2 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Starts a server on an empty database (a new SQLite file, or a new PostgreSQL database on the
server --database-url names, dropped afterwards; one uvicorn process, or gunicorn with
--workers), with rate limits out of the way: the fuzzer is one client sending thousands of
requests. Registers a buyer, a seller and an admin, and runs `st run` against the OpenAPI
schema anonymously and with each role's token, the four at once, with every check and every
phase: the stateful one on its own, after the others. Before each run the seller lists a product
and the buyer places orders of it, some paid. The stateful phase starts from the listings
(schemathesis begins its chains at creating operations and at listings without path
parameters), and only through real orders do the links lead it on to paying, cancelling,
shipping and delivering.

Checks are configured in `tests/schemathesis.toml`: an operation whose refusals depend on
meaning, not on shape (an altered cursor, an unknown product, a reused idempotency key) may
answer schema-valid input with the 422 the contract documents for it. Prints, per role, how
many operations the stateful phase reached (read from schemathesis' NDJSON event report): valid
requests answered other than 401, 404 or 422, which is how far the OpenAPI links lead it past
made-up ids; and how many answered anything but 404 at all.
Exits non-zero on any failure.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
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


ADDRESS = {"fullName": "Fuzz Buyer", "line1": "1 Main St", "city": "Springfield",
           "postalCode": "12345", "country": "US"}  # fmt: skip
SEEDED_ORDERS = 6  # every other one paid, the newest not: some to pay or cancel, some to ship


def _open_shop(base_url: str, tokens: dict[str, str]) -> None:
    """The seller lists a product and the buyer orders it, paying every other order: what the
    listings the stateful phase starts from hand on to the operations that take an order (a
    listing's link takes its first item, the newest order, which is left to pay)."""
    with httpx.Client(base_url=f"{base_url}/api/v1") as api:

        def send(role: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            auth = {"Authorization": f"Bearer {tokens[role]}"}
            answer = api.request(method, path, json=body, headers=auth)
            answer.raise_for_status()
            return dict(answer.json())

        product = send("seller", "POST", "/products", {
            "title": "Fuzzed Lamp", "price": 1999, "stock": 1_000_000, "category": "fuzz",
        })  # fmt: skip
        for number in range(SEEDED_ORDERS):
            order = send("buyer", "POST", "/orders", {
                "items": [{"productId": product["id"], "quantity": 1}], "shippingAddress": ADDRESS,
            })  # fmt: skip
            if number % 2 == 0:
                send("buyer", "POST", f"/orders/{order['id']}/pay", {"paymentToken": "tok_visa"})


# What a request gets before the server looks at any resource: no or a bad token, an unknown
# id, or input that does not validate. A made-up id answers these; a real one gets past them.
REFUSED_BEFORE_ANY_RESOURCE = frozenset({401, 404, 422})


@dataclass
class StatefulReach:
    """What the stateful phase reached, from schemathesis' NDJSON event report.

    An operation counts as reached when a request with valid input (a positive case: a negative
    one is refused by validation whatever its ids) got an answer other than 401, 404 or 422;
    `linked` are those of them reached with parameters a link carried from an earlier answer.
    """

    operations: int = 0  # in the schema
    not_404: set[str] = field(default_factory=set)  # `METHOD /path`s answered other than 404
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    linked: set[str] = field(default_factory=set)

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
            if interaction.get("response") is None:  # no answer at all (a timeout)
                continue
            status = interaction["response"]["status_code"]
            case = recorder["cases"][case_id]
            operation = f"{case['value']['method'].upper()} {case['value']['path']}"
            if status != 404:
                self.not_404.add(operation)
            if case["value"]["meta"]["generation"]["mode"] != "positive":
                continue
            if status not in REFUSED_BEFORE_ANY_RESOURCE:
                self.statuses[operation][status] += 1
                if case.get("is_transition_applied"):
                    self.linked.add(operation)

    @property
    def succeeded(self) -> set[str]:
        """The reached operations answered with a 2xx at least once."""
        return {op for op, seen in self.statuses.items() if any(200 <= s < 300 for s in seen)}

    def __str__(self) -> str:
        reached = ", ".join(
            f"{operation} {' '.join(f'{status}x{n}' for status, n in sorted(seen.items()))}"
            + (" (linked)" if operation in self.linked else "")
            for operation, seen in sorted(self.statuses.items())
        )
        return (
            f"stateful phase reached {len(self.statuses)} of {self.operations} operations"
            f" with valid input answered other than 401, 404 or 422 ({len(self.succeeded)} with"
            f" a 2xx, {len(self.linked)} through a link); {len(self.not_404)} answered anything"
            f" but 404: {reached}"
        )


# The stateful phase runs on its own, after a shop opened for it: the phases before it find
# the last shop's orders too (schemathesis feeds ids it has seen back into its inputs) and
# leave them paid, shipped or cancelled. The coverage phase (every boundary and every kind
# of wrong value of every field: most of a short run's requests) may be left to some roles.
PHASES = {"stateless": ["examples", "coverage", "fuzzing"], "stateful": ["stateful"]}


def fuzz(
    base_url: str,
    environment: dict[str, str],
    *,
    max_examples: int,
    seed: int,
    roles: list[str],
    coverage_roles: list[str],
    reports: Path,
) -> dict[str, int]:
    """Each role's `st run` exit code (0: no failure in any phase). The roles run at once, as
    clients of one server do; what each found is printed when all are done, role by role."""
    tokens = {role: _token(base_url, role, environment) for role in ("buyer", "seller", "admin")}

    def run_as(role: str) -> tuple[int, list[str]]:
        outcome, said = 0, []
        for name, every in PHASES.items():
            phases = ",".join(p for p in every if p != "coverage" or role in coverage_roles)
            _open_shop(base_url, tokens)
            events = reports / f"{role}-{name}.ndjson"
            command = [
                SCHEMATHESIS, "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json",
                "--phases", phases, "--max-examples", str(max_examples), "--seed", str(seed),
                "--workers", "1", "--report", "ndjson", "--report-ndjson-path", str(events),
            ]  # fmt: skip
            if role != "anonymous":
                command += ["--header", f"Authorization: Bearer {tokens[role]}"]
            done = subprocess.run(  # noqa: S603 - our own arguments
                command, check=False, cwd=PROJECT_ROOT, capture_output=True, text=True
            )
            outcome |= done.returncode
            summary = [
                line for line in done.stdout.splitlines() if "passed" in line or "fail" in line
            ]
            said.append(
                f"{role:<10} {name:<9} exit {done.returncode}: {summary[-1] if summary else ''}"
            )
            if done.returncode:
                said.append(done.stdout[-8000:])
        said.append(f"{'':<10} {StatefulReach.read(reports / f'{role}-stateful.ndjson')}")
        return outcome, said

    with ThreadPoolExecutor(max_workers=len(roles)) as pool:
        runs = dict(zip(roles, pool.map(run_as, roles), strict=True))
    for _, said in runs.values():
        print("\n".join(said), flush=True)
    return {role: outcome for role, (outcome, _) in runs.items()}


def _folder(reports: Path | None, default: str) -> Path:
    if reports is None:
        return Path(default)
    reports.mkdir(parents=True, exist_ok=True)
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--roles", default="anonymous,buyer,seller,admin")
    parser.add_argument("--coverage-roles", help="roles the coverage phase runs as (default: all)")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (default SQLite)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: uvicorn)")
    parser.add_argument("--reports", type=Path, help="keep each role's NDJSON event report here")
    arguments = parser.parse_args()
    roles = arguments.roles.split(",")
    coverage_roles = arguments.coverage_roles.split(",") if arguments.coverage_roles else roles
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-") as folder,
        fresh_database(Path(folder), arguments.database_url, purpose="fuzz") as database_url,
    ):
        environment = server_environment(
            database_url, Path(folder) / "logs",
            AUTH__LOGIN_ATTEMPTS_PER_MINUTE="1000000", LOG__LEVEL="WARNING",
            AUTH__ACCESS_TOKEN_TTL="14400",  # a long run outlasts the 15 minutes of a token
        )  # fmt: skip
        migrate(environment)
        with serving(environment, workers=arguments.workers) as base_url:
            outcomes = fuzz(
                base_url, environment, max_examples=arguments.max_examples, seed=arguments.seed,
                roles=roles, coverage_roles=coverage_roles,
                reports=_folder(arguments.reports, folder),
            )  # fmt: skip
    return 0 if not any(outcomes.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
