"""The ASGI application: `uvicorn src.main:app` (or gunicorn with uvicorn_worker.UvicornWorker)."""

from src.application.idempotency import purge_expired_keys
from src.config import get_settings
from src.infrastructure.scheduling import PeriodicJob
from src.infrastructure.web import create_app
from src.presentation.rest import API_ROUTERS, ROOT_ROUTERS, TAGS

settings = get_settings()
app = create_app(
    settings,
    api_routers=API_ROUTERS,
    root_routers=ROOT_ROUTERS,
    tags=TAGS,
    jobs=[
        PeriodicJob(
            "purge expired idempotency keys",
            every_seconds=settings.idempotency.purge_interval_seconds,
            run=purge_expired_keys,
        )
    ],
)
