"""The ASGI application: `uvicorn src.main:app` (or gunicorn with uvicorn_worker.UvicornWorker).

The only place that wires the application together: routers, background jobs, and who
subscribes to which domain events.
"""

from collections import defaultdict
from datetime import timedelta

from fastapi import FastAPI

from src.application.events import subscriber
from src.application.idempotency import purge_expired_keys
from src.application.notifications import SUBSCRIBERS as NOTIFICATIONS
from src.application.payments import refund_payment, settle_payment
from src.config import Settings, get_settings
from src.domain.payments.events import PaymentUnsettled, RefundRequested
from src.infrastructure.events import Relay, Subscriber
from src.infrastructure.scheduling import Loop, PeriodicJob
from src.infrastructure.web import create_app
from src.presentation.rest import API_ROUTERS, ROOT_ROUTERS, TAGS

SUBSCRIBERS = [
    subscriber("provider-refund", RefundRequested, refund_payment),
    subscriber("provider-settle", PaymentUnsettled, settle_payment),
    *NOTIFICATIONS,
]


def subscribers_by_topic() -> dict[str, list[Subscriber]]:
    by_topic: defaultdict[str, list[Subscriber]] = defaultdict(list)
    for topic, each in SUBSCRIBERS:
        by_topic[topic].append(each)
    return dict(by_topic)


def create_relay(settings: Settings) -> Relay:
    """The outbox relay, with every subscriber, timed as the settings say."""
    outbox = settings.outbox
    return Relay(
        subscribers_by_topic(),
        poll_seconds=outbox.poll_seconds,
        batch_delay=outbox.batch_delay_seconds,
        first_backoff=timedelta(seconds=outbox.first_backoff_seconds),
        lease=timedelta(seconds=outbox.lease_seconds),
        max_attempts=outbox.max_attempts,
    )


def create_marketplace(settings: Settings) -> FastAPI:
    """The marketplace app for `settings`, with its background work."""
    jobs: list[Loop | PeriodicJob] = [
        PeriodicJob(
            "purge expired idempotency keys",
            every_seconds=settings.idempotency.purge_interval_seconds,
            run=purge_expired_keys,
        )
    ]
    if settings.outbox.relay_in_app:
        jobs.append(Loop("deliver outbox events", create_relay(settings).run))
    return create_app(
        settings, api_routers=API_ROUTERS, root_routers=ROOT_ROUTERS, tags=TAGS, jobs=jobs
    )


app = create_marketplace(get_settings())
