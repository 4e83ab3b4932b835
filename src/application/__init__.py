"""Application operations (use cases): each an async function under `@transaction`."""

__all__: list[str] = []
