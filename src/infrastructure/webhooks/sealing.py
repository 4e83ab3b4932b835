"""Webhook signing secrets, sealed at rest and shown once.

The database holds each endpoint's secret sealed (Fernet: AES-128-CBC with an HMAC-SHA256
tag) under a key that lives in the settings, never in the database: a copy of the database
alone cannot sign a delivery. The key is WEBHOOKS__SECRET_KEY, or, when that is empty, one
derived from AUTH__SECRET_KEY under a label of its own (HKDF), so that the two never coincide.
"""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_PREFIX = "whsec_"  # nosec B105 # noqa: S105 - how Standard Webhooks secrets begin
_SECRET_BYTES = 32
_LABEL = b"marketplace webhook secrets v1"


def new_signing_secret() -> str:
    """A fresh secret as Standard Webhooks spells one: `whsec_` + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


class SecretBox:
    """Seals and opens signing secrets with one key."""

    def __init__(self, key_material: str) -> None:
        if not key_material:
            raise ValueError("a key is needed to seal webhook secrets")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
            key_material.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret; ValueError if it was not sealed with this key (or was altered)."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise ValueError("the webhook secret was sealed with another key") from error
