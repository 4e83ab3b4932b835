"""Configuration, read from the environment and `.env`."""

from src.config.settings import (
    DEVELOPMENT_SECRET,
    PROJECT_ROOT,
    Environment,
    Settings,
    get_settings,
)

__all__ = ["DEVELOPMENT_SECRET", "PROJECT_ROOT", "Environment", "Settings", "get_settings"]
