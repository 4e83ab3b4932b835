"""Opaque, tamper-evident pagination cursors.

A cursor is the URL-safe base64 of a small JSON document, followed by an HMAC-SHA256 over it:
clients cannot read meaning into it, and any altered byte is refused as a validation error.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from src.infrastructure.errors import FieldError, ValidationFailed

_SIGNATURE_BYTES = 16
# Long enough for the longest key a listing pages by: a title of 200 characters that each
# take four bytes in UTF-8 makes a cursor of about 1,200 characters.
MAX_CURSOR_LENGTH = 2048


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def invalid_cursor() -> ValidationFailed:
    """The error for a cursor that is malformed, altered or from another listing."""
    return ValidationFailed(
        "The cursor is not valid for this listing",
        errors=[FieldError(("query", "cursor"), "malformed or altered cursor")],
    )


class CursorCodec:
    """Signs cursor payloads with a key of the deployment's own."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"pagination-cursor:" + secret.encode()).digest()

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def encode(self, payload: dict[str, Any]) -> str:
        """An opaque cursor carrying `payload`."""
        body = json.dumps(
            payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False
        ).encode()
        return _b64encode(body + self._sign(body))

    def decode(self, cursor: str) -> dict[str, Any]:
        """The payload of a cursor this codec made; `ValidationFailed` otherwise."""
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise invalid_cursor()
        try:
            raw = _b64decode(cursor)
        except (binascii.Error, ValueError) as error:
            raise invalid_cursor() from error
        # Only the canonical spelling is accepted: base64 leaves slack in the last character.
        if _b64encode(raw) != cursor or len(raw) <= _SIGNATURE_BYTES:
            raise invalid_cursor()
        body, signature = raw[:-_SIGNATURE_BYTES], raw[-_SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, self._sign(body)):
            raise invalid_cursor()
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise invalid_cursor()
        return payload

    def encode_key(self, listing: str, key: Sequence[object]) -> str:
        """A cursor for the page after the row whose sort key is `key`, in `listing`."""
        return self.encode({"l": listing, "k": [_dump(value) for value in key]})

    def decode_key(self, listing: str, cursor: str, types: Sequence[type]) -> tuple[Any, ...]:
        """The sort key a cursor of `listing` carries, parsed as `types`."""
        payload = self.decode(cursor)
        key = payload.get("k")
        if payload.get("l") != listing or not isinstance(key, list) or len(key) != len(types):
            raise invalid_cursor()
        try:
            return tuple(_load(kind, value) for kind, value in zip(types, key, strict=True))
        except (ValueError, TypeError) as error:
            raise invalid_cursor() from error


def _dump(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def _load(kind: type, value: object) -> object:
    if kind is datetime and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp in cursor")
        return parsed
    if kind is UUID and isinstance(value, str):
        return UUID(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    raise TypeError(f"cursor value is not a {kind.__name__}")
