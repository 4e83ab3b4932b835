"""The outbox relay, and the webhook delivery worker beside it, on their own:
`python -m src.relay`.

For deployments that run relays apart from the web workers (set `OUTBOX__RELAY_IN_APP=false`
for those). Any number may run at once, on any hosts: they share the work through the
database. Stops cleanly on SIGTERM or SIGINT.
"""

import asyncio
import signal

from loguru import logger

from src.config import get_settings
from src.infrastructure.logging import configure_logging
from src.infrastructure.runtime import start_runtime, stop_runtime
from src.main import create_dispatcher, create_relay


async def serve() -> None:
    settings = get_settings()
    configure_logging(settings.log)
    start_runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    logger.info("outbox relay started")
    try:
        # Each finishes the work in hand, then returns.
        relay, dispatcher = create_relay(settings), create_dispatcher(settings)
        await asyncio.gather(relay.run(stop), dispatcher.run(stop))
    finally:
        await stop_runtime()
        logger.info("outbox relay stopped")


if __name__ == "__main__":
    asyncio.run(serve())
