"""Presentation: the REST API."""

__all__: list[str] = []
