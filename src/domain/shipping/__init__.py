"""Shipping: each seller ships its part of an order, and the order follows."""

from src.domain.shipping.entities import Shipment, ShipmentStatus
from src.domain.shipping.repository import ShipmentRepository

__all__ = ["Shipment", "ShipmentRepository", "ShipmentStatus"]
