"""Settings, read from the environment, then `.env`, then the defaults below.

Nested groups use `__` in variable names: `DATABASE__URL`, `AUTH__SECRET_KEY`, ...
"""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_SECRET = "development-only-secret-change-me-in-production"  # nosec B105 # noqa: S105 - refused in production


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class DatabaseSettings(BaseModel):
    url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'marketplace.db'}"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=5_000, ge=0)
    # Each read connection is a thread of aiosqlite's. More of them let the event loop hand
    # out more reads before it waits, and collect more answers per wake-up: under 64
    # concurrent listing requests, 8 served 8% more than 4, on one worker and on two.
    sqlite_read_connections: int = Field(default=8, ge=1)
    # Each SQLite statement in one trip to aiosqlite's thread instead of four, through an
    # adapter that overrides private members of SQLAlchemy's (src/infrastructure/database/
    # fast_aiosqlite.py). False: SQLAlchemy's stock aiosqlite adapter, slower but untouched.
    sqlite_fast_adapter: bool = True


class AuthSettings(BaseModel):
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    algorithm: str = "HS256"
    access_token_ttl: int = Field(default=900, ge=1, description="seconds")
    refresh_token_ttl: int = Field(default=14 * 24 * 3600, ge=1, description="seconds")
    login_attempts_per_minute: int = Field(default=5, ge=1)
    # Argon2id cost; the defaults are argon2-cffi's (RFC 9106's second recommendation).
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65_536, ge=8)
    password_parallelism: int = Field(default=4, ge=1)


class RateLimitSettings(BaseModel):
    enabled: bool = True
    # Empty: counters in each worker's memory; `redis://…` shares them across workers and hosts.
    storage_url: str = ""
    # Requests per client address (`limits` notation: "600/minute", "10/second;300/minute").
    default_limit: str = "600/minute"
    # Stricter for /api/v1/auth/*: registration, login, tokens.
    auth_limit: str = "120/minute"


class ServerSettings(BaseModel):
    """How gunicorn serves the app (`gunicorn -c python:src.gunicorn_conf src.main:app`)."""

    bind: str = "127.0.0.1:8000"
    # Worker processes per host; each is one event loop. About one per core.
    workers: int = Field(default=2, ge=1)
    # Seconds a stopping worker has to finish its in-flight requests.
    graceful_timeout: int = Field(default=30, ge=1)
    # Seconds of silence after which gunicorn restarts a worker.
    timeout: int = Field(default=60, ge=1)
    # Proxies whose X-Forwarded-For / -Proto headers are believed (comma-separated, or "*").
    forwarded_allow_ips: str = "127.0.0.1"


class IdempotencySettings(BaseModel):
    # How long a key's answer is kept for replay; clients may retry for at least a day.
    ttl_hours: int = Field(default=24, ge=24)
    # How long an unanswered request holds its key before a retry may take it over.
    lease_seconds: int = Field(default=60, ge=1)
    # How often each worker deletes expired keys.
    purge_interval_seconds: int = Field(default=3600, ge=1)


class CartsSettings(BaseModel):
    # Guest carts untouched this long are deleted (a buyer's cart is kept).
    guest_ttl_days: int = Field(default=30, ge=1)
    # How often each worker deletes them.
    purge_interval_seconds: int = Field(default=3600, ge=1)


class CommissionSettings(BaseModel):
    # The platform's share of each sale, in basis points (1000 = 10 %), until an admin sets
    # one with `PUT /admin/commission-rates/default`: a stored default wins over this.
    default_rate_bps: int = Field(default=1000, ge=0, le=10_000)


class PayoutsSettings(BaseModel):
    # How long a seller's payout for an order stays pending after its shipment is delivered
    # (returns and disputes), before it becomes available.
    hold_seconds: int = Field(default=604_800, ge=0)
    # How often each worker moves the funds whose hold is over to available.
    release_interval_seconds: int = Field(default=300, ge=1)


class OutboxSettings(BaseModel):
    # The relay delivers right after a commit that recorded events, and polls this often too.
    poll_seconds: float = Field(default=1.0, gt=0)
    # How long the relay waits after a commit wakes it, so that it takes events in batches.
    batch_delay_seconds: float = Field(default=0.1, ge=0)
    # A failed delivery is retried after this long, doubling at each failure (up to 10 min).
    first_backoff_seconds: float = Field(default=2.0, gt=0)
    # How long a relay holds the events it took before another relay may take them over.
    lease_seconds: float = Field(default=60.0, gt=0)
    # Failed deliveries of one event before it is dead-lettered (admins can queue it again).
    max_attempts: int = Field(default=10, ge=1)
    # Whether each web worker runs a relay; false when relays run on their own
    # (`python -m src.relay`).
    relay_in_app: bool = True


class HttpSettings(BaseModel):
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Browser origins allowed to call the API (CORS), e.g. ["https://shop.example.com"].
    cors_origins: list[str] = []
    # Responses at least this large are gzip-compressed for clients that accept it.
    gzip_min_bytes: int = Field(default=1024, ge=0)
    # Prometheus metrics at /metrics (keep it off the public internet: a proxy rule will do).
    metrics: bool = True


class LogSettings(BaseModel):
    level: str = "INFO"
    # One JSON object per line (with request id, route, status and duration) instead of text.
    json_lines: bool = False
    directory: Path = PROJECT_ROOT / "logs"
    rotation: str = "20 MB"
    retention: str = "14 days"
    to_file: bool = True


class PaymentsSettings(BaseModel):
    # Empty: the in-process fake provider. Else the provider's base URL, e.g. the stand-in's
    # `http://127.0.0.1:8081` (`python -m mock.payments --port 8081`).
    provider_url: str = ""
    timeout_seconds: float = Field(default=3.0, gt=0)  # per call to the provider
    attempts: int = Field(default=3, ge=1)  # per charge or refund, backing off between them
    # The most one charge or refund may take with all its tries, before answering 503.
    deadline_seconds: float = Field(default=5.0, gt=0)
    # Consecutive failed calls that open the circuit, and how long it stays open.
    circuit_failures: int = Field(default=5, ge=1)
    circuit_reset_seconds: float = Field(default=30.0, gt=0)


class NotificationSenderKind(StrEnum):
    LOG = "log"
    EMAIL = "email"
    SMS = "sms"


class NotificationsSettings(BaseModel):
    sender: NotificationSenderKind = NotificationSenderKind.LOG
    sender_address: str = "Marketplace <no-reply@marketplace.example.com>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    timeout_seconds: float = Field(default=10.0, gt=0)
    # The SMS gateway's HTTP endpoint (JSON `{to, text}` is POSTed to it).
    sms_url: str = ""


class MediaStorageKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class MediaSettings(BaseModel):
    """Where product images are stored and how their URLs are spelled."""

    # `local`: files under `root`, served by the app at /media/{key}; `s3`: a bucket.
    storage: MediaStorageKind = MediaStorageKind.LOCAL
    root: Path = PROJECT_ROOT / "media"
    # The URL images are under (`https://cdn.example.com/media`); empty: the origin the
    # request came to plus /media (local), or the bucket's URL at the endpoint (s3).
    public_base_url: str = ""
    # The largest image file accepted, in bytes.
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    # The S3-compatible endpoint (empty: AWS's own) and bucket; credentials come from the
    # usual AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"


class WebhooksSettings(BaseModel):
    """Sellers' and admins' webhook receivers: how deliveries are sealed, sent and retried."""

    # Seals each endpoint's signing secret at rest, so that a copy of the database alone
    # cannot sign. Empty: a key derived from AUTH__SECRET_KEY (set this one to rotate that
    # without losing the endpoints' secrets); at least 32 characters in production.
    secret_key: SecretStr = SecretStr("")
    # Lets receivers be plain http and on private or loopback addresses: for tests and demos
    # only, refused in production.
    allow_private_http: bool = False
    # A failed delivery is retried after this long, doubling (with jitter) up to the maximum.
    first_backoff_seconds: float = Field(default=5.0, gt=0)
    max_backoff_seconds: float = Field(default=3600.0, gt=0)
    # Attempts of one delivery before it is dead (its endpoint's owner may redeliver it).
    max_attempts: int = Field(default=8, ge=1)
    # How long a receiver has to answer, and how much of its answer is read.
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_response_bytes: int = Field(default=4096, ge=0)
    # Deliveries in flight at once per worker, so that slow receivers hold up only a slot each.
    concurrency: int = Field(default=16, ge=1)
    # Of those, at most this many to any one endpoint, so a slow receiver leaves room for others.
    concurrency_per_endpoint: int = Field(default=4, ge=1)
    # How long a worker holds a delivery it took before another may take it over.
    lease_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        # A lease that ran out while its attempt is still waiting for an answer would let a
        # second worker send the same delivery at the same time.
        if self.lease_seconds <= self.timeout_seconds:
            raise ValueError("WEBHOOKS__LEASE_SECONDS must be more than WEBHOOKS__TIMEOUT_SECONDS")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_nested_delimiter="__",
        extra="ignore",
    )

    environment: Environment = Environment.DEVELOPMENT
    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    rate_limit: RateLimitSettings = RateLimitSettings()
    idempotency: IdempotencySettings = IdempotencySettings()
    carts: CartsSettings = CartsSettings()
    commission: CommissionSettings = CommissionSettings()
    payouts: PayoutsSettings = PayoutsSettings()
    outbox: OutboxSettings = OutboxSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    payments: PaymentsSettings = PaymentsSettings()
    notifications: NotificationsSettings = NotificationsSettings()
    media: MediaSettings = MediaSettings()
    webhooks: WebhooksSettings = WebhooksSettings()

    @model_validator(mode="after")
    def _refuse_development_stand_ins_in_production(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        secret = self.auth.secret_key.get_secret_value()
        if secret == DEVELOPMENT_SECRET or len(secret) < 32:  # noqa: PLR2004
            raise ValueError(
                "AUTH__SECRET_KEY must be set to a secret of at least 32 characters in production"
            )
        if not self.payments.provider_url:
            # The in-process fake approves any card and charges nobody.
            raise ValueError("PAYMENTS__PROVIDER_URL must name the payment provider in production")
        sealing = self.webhooks.secret_key.get_secret_value()
        if sealing and (sealing == DEVELOPMENT_SECRET or len(sealing) < 32):  # noqa: PLR2004
            raise ValueError("WEBHOOKS__SECRET_KEY must be at least 32 characters in production")
        if self.webhooks.allow_private_http:
            # Webhook URLs could then reach the deployment's own network (SSRF).
            raise ValueError("WEBHOOKS__ALLOW_PRIVATE_HTTP must not be true in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
