"""Runs every `http/*.http` file with httpyac against a freshly started server.

    python -m tests.http_suite                                  # SQLite, one uvicorn worker
    python -m tests.http_suite --workers 2 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test
    python -m tests.http_suite --base-url http://127.0.0.1:8000  # a server you started

Each file runs on its own, in its own httpyac process, against a server on an empty
database: that is how the files promise to work. httpyac comes from the npm registry
(`npx --yes httpyac`), so Node.js and npm are needed. Exits non-zero if any file fails.
"""

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from uuid import uuid4

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from src.config.settings import PROJECT_ROOT
from tests.e2e.servers import migrate, server_environment, serving

HTTPYAC = ["npx", "--yes", "httpyac@6"]


def run_files(base_url: str) -> bool:
    """Send every file's requests; whether all their assertions held."""
    passed = True
    for path in sorted((PROJECT_ROOT / "http").glob("*.http")):
        command = [*HTTPYAC, "send", str(path), "--all", "--bail", "--var", f"baseUrl={base_url}"]
        done = subprocess.run(  # noqa: S603 - our own arguments
            command, check=False, cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"{'ok  ' if done.returncode == 0 else 'FAIL'} {path.name}: {summary}")
        if done.returncode != 0:
            print(done.stdout[-4000:], done.stderr[-2000:], sep="\n")
            passed = False
    return passed


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base-url", help="a running server to test instead of starting one")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (default SQLite)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: uvicorn)")
    arguments = parser.parse_args()
    if shutil.which("npx") is None:
        print("httpyac needs Node.js and npm (npx)", file=sys.stderr)
        return 2
    if arguments.base_url:
        return 0 if run_files(arguments.base_url) else 1
    with tempfile.TemporaryDirectory(prefix="http-suite-") as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'http.db'}"
        name = ""
        if arguments.database_url:
            name = f"marketplace_http_{uuid4().hex[:8]}"
            asyncio.run(_admin(arguments.database_url, f'CREATE DATABASE "{name}"'))
            database_url = (
                make_url(arguments.database_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        try:
            # The README's settings, but for the password cost (the files register many users).
            environment = server_environment(database_url, Path(folder) / "logs")
            for limit in ("RATE_LIMIT__DEFAULT_LIMIT", "RATE_LIMIT__AUTH_LIMIT"):
                environment.pop(limit)
            migrate(environment)
            with serving(environment, workers=arguments.workers) as base_url:
                passed = run_files(base_url)
        finally:
            if name:
                asyncio.run(_admin(arguments.database_url, f'DROP DATABASE "{name}" WITH (FORCE)'))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
