"""Settings come from the environment with `__` nesting, and production needs a real secret."""

import pytest
from pydantic import BaseModel, ValidationError

from src.config.settings import DEVELOPMENT_SECRET, PROJECT_ROOT, Environment, Settings


def test_nested_settings_are_read_from_double_underscore_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE__URL", "postgresql+asyncpg://app@db/marketplace")
    monkeypatch.setenv("AUTH__ACCESS_TOKEN_TTL", "60")
    monkeypatch.setenv("RATE_LIMIT__ENABLED", "false")
    settings = Settings(_env_file=None)
    assert settings.database.url == "postgresql+asyncpg://app@db/marketplace"
    assert settings.auth.access_token_ttl == 60
    assert settings.rate_limit.enabled is False


def test_production_refuses_to_start_on_the_development_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("AUTH__SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="AUTH__SECRET_KEY"):
        Settings(_env_file=None)


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH__SECRET_KEY", "short")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_production_refuses_the_in_process_fake_payment_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH__SECRET_KEY", "k" * 48)
    monkeypatch.delenv("PAYMENTS__PROVIDER_URL", raising=False)
    with pytest.raises(ValidationError, match="PAYMENTS__PROVIDER_URL"):
        Settings(_env_file=None)


def test_production_starts_with_a_real_secret_and_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH__SECRET_KEY", "k" * 48)
    monkeypatch.setenv("PAYMENTS__PROVIDER_URL", "https://payments.example.com")
    settings = Settings(_env_file=None)
    assert settings.environment is Environment.PRODUCTION
    assert settings.auth.secret_key.get_secret_value() != DEVELOPMENT_SECRET


@pytest.mark.parametrize("hours", [24, 48])
def test_idempotency_keys_are_kept_for_the_configured_hours(
    monkeypatch: pytest.MonkeyPatch, hours: int
) -> None:
    monkeypatch.setenv("IDEMPOTENCY__TTL_HOURS", str(hours))
    assert Settings(_env_file=None).idempotency.ttl_hours == hours


@pytest.mark.parametrize("hours", ["23", "1", "0"])
def test_idempotency_keys_kept_under_a_day_are_refused(
    monkeypatch: pytest.MonkeyPatch, hours: str
) -> None:
    # Clients are promised at least a day to retry a request (issue 4).
    monkeypatch.setenv("IDEMPOTENCY__TTL_HOURS", hours)
    with pytest.raises(ValidationError, match=r"idempotency\.ttl_hours"):
        Settings(_env_file=None)


def test_the_secret_never_shows_in_the_settings_repr() -> None:
    assert DEVELOPMENT_SECRET not in repr(Settings(_env_file=None))


def _setting_names(model: type[BaseModel], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _setting_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


def test_env_default_lists_every_setting_and_loads_cleanly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = PROJECT_ROOT / ".env.default"
    listed = {
        line.split("=", 1)[0]
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert listed == _setting_names(Settings)
    for name in listed:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=path)
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database.url.startswith("sqlite+aiosqlite:///")


def test_production_refuses_private_http_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH__SECRET_KEY", "k" * 48)
    monkeypatch.setenv("PAYMENTS__PROVIDER_URL", "https://payments.example.com")
    monkeypatch.setenv("WEBHOOKS__ALLOW_PRIVATE_HTTP", "true")
    with pytest.raises(ValidationError, match="WEBHOOKS__ALLOW_PRIVATE_HTTP"):
        Settings(_env_file=None)
    monkeypatch.setenv("WEBHOOKS__ALLOW_PRIVATE_HTTP", "false")
    monkeypatch.setenv("WEBHOOKS__SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="WEBHOOKS__SECRET_KEY"):
        Settings(_env_file=None)


def test_a_webhook_lease_must_outlast_an_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOKS__TIMEOUT_SECONDS", "10")
    monkeypatch.setenv("WEBHOOKS__LEASE_SECONDS", "10")
    with pytest.raises(ValidationError, match="WEBHOOKS__LEASE_SECONDS"):
        Settings(_env_file=None)
