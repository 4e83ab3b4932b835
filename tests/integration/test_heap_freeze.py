"""The app keeps the garbage collector off the objects start-up built, while it serves."""

import gc

import pytest

from src.config import Settings
from tests.conftest import build_app

pytestmark = pytest.mark.database


async def test_start_up_objects_are_frozen_while_serving_and_released_at_shutdown(
    settings: Settings,
) -> None:
    app = build_app(settings)
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        # Modules, routes and schemas: far more objects than any request makes.
        assert gc.get_freeze_count() > 100_000
        garbage: list[object] = []
        garbage.append(garbage)  # a cycle made while serving is still collected
        del garbage
        assert gc.collect() >= 1
    assert gc.get_freeze_count() == 0
