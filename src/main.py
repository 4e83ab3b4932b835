"""The ASGI application: `uvicorn src.main:app` (or gunicorn with uvicorn_worker.UvicornWorker).

The only place that wires the application together: routers, background jobs, and who
subscribes to which domain events.
"""

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from src.application.carts import purge_abandoned_carts
from src.application.events import count_undelivered, subscriber
from src.application.idempotency import purge_expired_keys
from src.application.ledger import release_held_funds
from src.application.notifications import SUBSCRIBERS as NOTIFICATIONS
from src.application.payments import refund_payment, settle_payment
from src.application.payouts import transfer_payout
from src.application.refunds import make_refund
from src.application.relay import Relay
from src.application.webhook_deliveries import WEBHOOKS, WebhookDispatcher
from src.application.webhooks import count_undelivered_webhooks
from src.config import Settings, get_settings
from src.domain.money.payouts import PayoutRequested
from src.domain.outbox import RetryPolicy, Subscriber
from src.domain.payments.events import PaymentUnsettled, RefundRequested
from src.domain.refunds.events import RefundCreated
from src.infrastructure.scheduling import Loop, PeriodicJob
from src.infrastructure.web import create_app
from src.presentation.rest import API_ROUTERS, ROOT_ROUTERS, TAGS
from src.presentation.rest.uploads import MAX_OTHER_BYTES

SUBSCRIBERS: list[Subscriber[Any]] = [
    subscriber("provider-refund", RefundRequested, refund_payment),
    subscriber("provider-settle", PaymentUnsettled, settle_payment),
    subscriber("provider-refund-part", RefundCreated, make_refund),
    subscriber("provider-transfer", PayoutRequested, transfer_payout),
    *NOTIFICATIONS,
    WEBHOOKS,
]


def create_relay(settings: Settings) -> Relay:
    """The outbox relay, with every subscriber, timed as the settings say."""
    outbox = settings.outbox
    return Relay(
        SUBSCRIBERS,
        poll_seconds=outbox.poll_seconds,
        batch_delay=outbox.batch_delay_seconds,
        lease=timedelta(seconds=outbox.lease_seconds),
        retry=RetryPolicy(
            first_backoff=timedelta(seconds=outbox.first_backoff_seconds),
            max_attempts=outbox.max_attempts,
        ),
    )


def create_dispatcher(settings: Settings) -> WebhookDispatcher:
    """The webhook delivery worker, timed as the settings say."""
    webhooks = settings.webhooks
    return WebhookDispatcher(
        RetryPolicy(
            first_backoff=timedelta(seconds=webhooks.first_backoff_seconds),
            max_backoff=timedelta(seconds=webhooks.max_backoff_seconds),
            max_attempts=webhooks.max_attempts,
            jitter=0.2,
        ),
        concurrency=webhooks.concurrency,
        per_endpoint=webhooks.concurrency_per_endpoint,
        lease=timedelta(seconds=webhooks.lease_seconds),
        poll_seconds=webhooks.poll_seconds,
    )


def create_marketplace(settings: Settings) -> FastAPI:
    """The marketplace app for `settings`, with its background work."""
    jobs: list[Loop | PeriodicJob] = [
        PeriodicJob(
            "purge expired idempotency keys",
            every_seconds=settings.idempotency.purge_interval_seconds,
            run=purge_expired_keys,
        ),
        PeriodicJob(
            "purge abandoned guest carts",
            every_seconds=settings.carts.purge_interval_seconds,
            run=purge_abandoned_carts,
        ),
        PeriodicJob(
            "release sellers' held funds",
            every_seconds=settings.payouts.release_interval_seconds,
            run=release_held_funds,
        ),
    ]
    if settings.outbox.relay_in_app:
        jobs.append(Loop("deliver outbox events", create_relay(settings).run))
        jobs.append(Loop("send webhook deliveries", create_dispatcher(settings).run))
    # An image upload's body is its file (checked exactly as it streams) and the form around it.
    uploads = (r"/products/[^/]+/images", settings.media.max_bytes + MAX_OTHER_BYTES + 1024)
    return create_app(
        settings, api_routers=API_ROUTERS, root_routers=ROOT_ROUTERS, tags=TAGS, jobs=jobs,
        outbox_counts=count_undelivered, webhook_counts=count_undelivered_webhooks,
        large_bodies=[uploads],
    )  # fmt: skip


app = create_marketplace(get_settings())
