"""Events about products."""

from uuid import UUID

from src.domain.events import DomainEvent


class ProductArchived(DomainEvent):
    """A product was taken off sale for good."""

    topic = "product.archived"

    product_id: UUID
    seller_id: UUID
