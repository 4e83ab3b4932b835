"""`python -m seed.create_admin` creates an administrator, or promotes an existing account."""

import pytest

from seed import create_admin
from src.config import get_settings
from src.config.settings import Settings

pytestmark = pytest.mark.database


def test_create_admin_creates_then_promotes_and_refuses_a_weak_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE__URL", settings.database.url)
    monkeypatch.setenv("AUTH__PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("AUTH__PASSWORD_MEMORY_KIB", "1024")
    get_settings.cache_clear()
    try:
        arguments = ["--email", "Root@Example.com", "--password", "a long password"]
        assert create_admin.main(arguments) == 0
        assert create_admin.main(arguments) == 0
        assert create_admin.main(["--email", "x@example.com", "--password", "short"]) == 1
        assert create_admin.main(["--email", "not-an-email", "--password", "long enough"]) == 1
    finally:
        get_settings.cache_clear()
    output = capsys.readouterr()
    assert output.out.splitlines()[0].startswith("created admin Root@example.com")
    assert output.out.splitlines()[1].startswith("promoted admin Root@example.com")
    assert "password rule" in output.err
    assert "email address is not valid" in output.err
