"""The web adapter: application factory, middleware, problem details and docs."""

from src.infrastructure.web.factory import API_PREFIX, create_app
from src.infrastructure.web.problems import PROBLEM_JSON, problem_for

__all__ = ["API_PREFIX", "PROBLEM_JSON", "create_app", "problem_for"]
