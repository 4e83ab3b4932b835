"""The domain: entities, business rules and repositories, one package per area."""

__all__: list[str] = []
