"""Idempotency keys: a retried request gets the first answer instead of running twice."""

from src.domain.idempotency.entities import Answer, Claim, IdempotencyRecord
from src.domain.idempotency.repository import IdempotencyRepository

__all__ = ["Answer", "Claim", "IdempotencyRecord", "IdempotencyRepository"]
