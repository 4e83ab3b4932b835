"""Infrastructure: database, security, errors, logging, runtime services and the web adapter."""

__all__: list[str] = []
