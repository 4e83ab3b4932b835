"""Create an administrator, or promote an existing account: the only way admins are made.

    python -m seed.create_admin --email admin@example.com --password 'a long password'

Running it again with the same arguments changes nothing more.
"""

import argparse
import asyncio
import sys

from src.application.users import ensure_admin_account
from src.config import get_settings
from src.infrastructure.errors import AppError
from src.infrastructure.runtime import start_runtime, stop_runtime


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--full-name", default="Administrator")
    return parser.parse_args(argv)


async def _main(arguments: argparse.Namespace) -> int:
    start_runtime(get_settings())
    try:
        user, created = await ensure_admin_account(
            email=arguments.email, password=arguments.password, full_name=arguments.full_name
        )
    except AppError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    finally:
        await stop_runtime()
    print(f"{'created' if created else 'promoted'} admin {user.email} ({user.id})")
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(_arguments(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
