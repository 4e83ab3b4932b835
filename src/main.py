"""The ASGI application: `uvicorn src.main:app` (or gunicorn with uvicorn_worker.UvicornWorker)."""

from src.config import get_settings
from src.infrastructure.web import create_app
from src.presentation.rest import API_ROUTERS, ROOT_ROUTERS, TAGS

app = create_app(get_settings(), api_routers=API_ROUTERS, root_routers=ROOT_ROUTERS, tags=TAGS)
