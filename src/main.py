"""The ASGI application: `uvicorn src.main:app` (or gunicorn with uvicorn_worker.UvicornWorker).

The only place that wires the application together: routers, background jobs, and the
handlers of the events the outbox relay delivers.
"""

from datetime import timedelta

from fastapi import FastAPI

from src.application.idempotency import purge_expired_keys
from src.application.payments import REFUND_TOPIC, refund_payment
from src.config import Settings, get_settings
from src.infrastructure.events import Relay
from src.infrastructure.scheduling import Loop, PeriodicJob
from src.infrastructure.web import create_app
from src.presentation.rest import API_ROUTERS, ROOT_ROUTERS, TAGS

EVENT_HANDLERS = {REFUND_TOPIC: refund_payment}


def create_marketplace(settings: Settings) -> FastAPI:
    """The marketplace app for `settings`, with its background work."""
    outbox = settings.outbox
    relay = Relay(
        EVENT_HANDLERS,
        poll_seconds=outbox.poll_seconds,
        first_backoff=timedelta(seconds=outbox.first_backoff_seconds),
        lease=timedelta(seconds=outbox.lease_seconds),
    )
    return create_app(
        settings,
        api_routers=API_ROUTERS,
        root_routers=ROOT_ROUTERS,
        tags=TAGS,
        jobs=[
            Loop("deliver outbox events", relay.run),
            PeriodicJob(
                "purge expired idempotency keys",
                every_seconds=settings.idempotency.purge_interval_seconds,
                run=purge_expired_keys,
            ),
        ],
    )


app = create_marketplace(get_settings())
