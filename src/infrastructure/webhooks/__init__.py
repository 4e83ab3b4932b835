"""Webhook receivers: where deliveries may go, how they are signed and sent, and the
signing secrets sealed at rest."""

from src.infrastructure.webhooks.addresses import Target, UrlRefused, refusal, resolve_target
from src.infrastructure.webhooks.sealing import SECRET_PREFIX, SecretBox, new_signing_secret
from src.infrastructure.webhooks.sender import (
    Attempt,
    DeliverySender,
    WebhookSender,
    signed_headers,
)

__all__ = [
    "SECRET_PREFIX",
    "Attempt",
    "DeliverySender",
    "SecretBox",
    "Target",
    "UrlRefused",
    "WebhookSender",
    "new_signing_secret",
    "refusal",
    "resolve_target",
    "signed_headers",
]
