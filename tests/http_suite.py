"""Runs every `http/*.http` file with httpyac, each against a server of its own.

    python -m tests.http_suite                                  # SQLite, one uvicorn worker
    python -m tests.http_suite --workers 2 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test
    python -m tests.http_suite --base-url http://127.0.0.1:8000  # a server you started

Each file runs on its own, in its own httpyac process, against a server started for it alone
on an empty database (a new SQLite file, or a new PostgreSQL database dropped afterwards):
that is how the files promise to work, so a file that leans on another's data fails here.
A file that logs in as `{{adminEmail}}` gets that admin made by `python -m seed.create_admin`
first, as an operator would (the credentials are `http/http-client.env.json`'s `local` ones,
or --admin-email/--admin-password, and reach httpyac as variables); against --base-url that
admin must exist already. httpyac comes from the npm registry (`npx --yes httpyac`), so
Node.js and npm are needed. Exits non-zero if any file fails.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from src.config.settings import PROJECT_ROOT
from tests.e2e.servers import fresh_database, migrate, server_environment, serving

HTTPYAC = ["npx", "--yes", "httpyac@6"]
HTTP_FOLDER = PROJECT_ROOT / "http"
NEEDS_ADMIN = "{{adminEmail}}"


def http_files() -> list[Path]:
    return sorted(HTTP_FOLDER.glob("*.http"))


def run_file(path: Path, base_url: str, variables: dict[str, str]) -> bool:
    """Send every request of one file; whether all its assertions held."""
    options = [f"{name}={value}" for name, value in ({"baseUrl": base_url} | variables).items()]
    command = [*HTTPYAC, "send", str(path), "--all", "--bail"]
    command += [argument for option in options for argument in ("--var", option)]
    done = subprocess.run(  # noqa: S603 - our own arguments
        command, check=False, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"{'ok  ' if done.returncode == 0 else 'FAIL'} {path.name}: {summary}", flush=True)
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-2000:], sep="\n", flush=True)
    return done.returncode == 0


def seed_admin(environment: dict[str, str], email: str, password: str) -> None:
    """Make the admin the way an operator does: the seed script, on the server's database."""
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "seed.create_admin", "--email", email, "--password", password],
        cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True,
    )  # fmt: skip


def run_on_own_server(path: Path, arguments: argparse.Namespace, admin: dict[str, str]) -> bool:
    """Start a server on an empty database for this file alone, and run the file against it."""
    with (
        tempfile.TemporaryDirectory(prefix=f"http-suite-{path.stem}-") as folder,
        fresh_database(Path(folder), arguments.database_url, purpose="http") as database_url,
    ):
        # The README's settings, but for the password cost (the files register many users).
        environment = server_environment(database_url, Path(folder) / "logs")
        for limit in ("RATE_LIMIT__DEFAULT_LIMIT", "RATE_LIMIT__AUTH_LIMIT"):
            environment.pop(limit)
        migrate(environment)
        if NEEDS_ADMIN in path.read_text():
            seed_admin(environment, admin["adminEmail"], admin["adminPassword"])
        with serving(environment, workers=arguments.workers) as base_url:
            return run_file(path, base_url, admin)


def _arguments() -> argparse.Namespace:
    local = json.loads((HTTP_FOLDER / "http-client.env.json").read_text())["local"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base-url", help="a running server to test instead of starting one")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (default SQLite)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: uvicorn)")
    parser.add_argument("--admin-email", default=local["adminEmail"])
    parser.add_argument("--admin-password", default=local["adminPassword"])
    return parser.parse_args()


def main() -> int:
    arguments = _arguments()
    if shutil.which("npx") is None:
        print("httpyac needs Node.js and npm (npx)", file=sys.stderr)
        return 2
    admin = {"adminEmail": arguments.admin_email, "adminPassword": arguments.admin_password}
    if arguments.base_url:
        outcomes = [run_file(path, arguments.base_url, admin) for path in http_files()]
    else:
        outcomes = [run_on_own_server(path, arguments, admin) for path in http_files()]
    return 0 if all(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
