"""A cheap round trip that tells whether the database answers."""

from sqlalchemy import text

from src.infrastructure.database.transaction import current_connection


async def ping() -> None:
    """Run `SELECT 1` in the current transaction; raises if the database does not answer."""
    await (await current_connection()).execute(text("SELECT 1"))
