"""The process's runtime services, built from settings when the application starts.

`start_runtime` is called by the application factory's lifespan (and by scripts and tests);
application operations reach the services through `runtime()`. Nothing here connects to
anything at import time.
"""

from dataclasses import dataclass

from src.config.settings import Settings
from src.infrastructure.database.engine import Database, create_database
from src.infrastructure.database.transaction import bind_database
from src.infrastructure.errors import ProgrammingError
from src.infrastructure.media import Media, create_media
from src.infrastructure.notifications import NotificationSender, create_notification_sender
from src.infrastructure.pagination import CursorCodec
from src.infrastructure.payments import PaymentGateway, create_payment_gateway
from src.infrastructure.rate_limit import CounterStore, Throttle, create_counter_store
from src.infrastructure.security import PasswordHasher, TokenCodec
from src.infrastructure.webhooks import SecretBox, WebhookSender


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything an application operation may need besides its arguments."""

    settings: Settings
    database: Database
    passwords: PasswordHasher
    tokens: TokenCodec
    counters: CounterStore
    login_throttle: Throttle
    cursors: CursorCodec
    payments: PaymentGateway
    notifier: NotificationSender
    media: Media
    webhook_secrets: SecretBox
    webhook_sender: WebhookSender


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The running services; a programming error before `start_runtime`."""
    if _runtime is None:
        raise ProgrammingError("the runtime is not started: start the application first")
    return _runtime


def start_runtime(settings: Settings) -> Runtime:
    """Build the services from `settings` and make them the process's runtime."""
    global _runtime  # noqa: PLW0603 - the one process-wide runtime, owned by the lifespan
    auth = settings.auth
    counters = create_counter_store(settings.rate_limit.storage_url)
    built = Runtime(
        settings=settings,
        database=create_database(settings.database),
        passwords=PasswordHasher(
            time_cost=auth.password_time_cost,
            memory_cost_kib=auth.password_memory_kib,
            parallelism=auth.password_parallelism,
        ),
        tokens=TokenCodec(
            secret=auth.secret_key.get_secret_value(),
            algorithm=auth.algorithm,
            access_ttl=auth.access_token_ttl,
        ),
        counters=counters,
        login_throttle=Throttle(
            counters,
            limit=f"{auth.login_attempts_per_minute}/minute",
            namespace="login-failures",
            enabled=settings.rate_limit.enabled,
        ),
        cursors=CursorCodec(auth.secret_key.get_secret_value()),
        payments=create_payment_gateway(settings.payments),
        notifier=create_notification_sender(settings.notifications),
        media=create_media(settings.media),
        webhook_secrets=SecretBox(
            settings.webhooks.secret_key.get_secret_value()
            or f"derived from the auth key: {auth.secret_key.get_secret_value()}"
        ),
        webhook_sender=WebhookSender(
            timeout_seconds=settings.webhooks.timeout_seconds,
            max_response_bytes=settings.webhooks.max_response_bytes,
            allow_private=settings.webhooks.allow_private_http,
        ),
    )
    bind_database(built.database)
    _runtime = built
    return built


async def stop_runtime() -> None:
    """Dispose of the running services (the engine's connections first)."""
    global _runtime
    if _runtime is None:
        return
    current, _runtime = _runtime, None
    bind_database(None)
    await current.database.dispose()
    await current.counters.aclose()
    await current.payments.aclose()
    await current.notifier.aclose()
    await current.media.aclose()
    await current.webhook_sender.aclose()
