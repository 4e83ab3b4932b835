"""A cheap round trip that tells whether the database answers."""

from sqlalchemy import text

from src.infrastructure.database.transaction import current_session


async def ping() -> None:
    """Run `SELECT 1` in the current transaction; raises if the database does not answer."""
    await current_session().execute(text("SELECT 1"))
