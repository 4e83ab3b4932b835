"""Deliveries are signed exactly as Standard Webhooks specifies: the specification's own
test vector, an independent HMAC, and the reference library's verifier all agree."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from src.infrastructure.webhooks import SecretBox, new_signing_secret, signed_headers

# From the Standard Webhooks specification's test vectors.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specifications_test_vector_is_signed_as_published() -> None:
    sent_at = datetime.fromtimestamp(SPEC_TIMESTAMP, UTC)
    assert signed_headers(SPEC_SECRET, SPEC_ID, sent_at, SPEC_BODY) == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }


@given(body=st.text(max_size=200), message_id=st.uuids().map(str))
def test_signatures_match_an_independent_hmac_and_the_reference_verifier(
    body: str, message_id: str
) -> None:
    secret = new_signing_secret()
    now = datetime.now(UTC)
    headers = signed_headers(secret, message_id, now, body)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{int(now.timestamp())}.{body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    Webhook(secret).verify(body.encode(), headers, json_parse=False)


def test_a_changed_body_or_another_secret_does_not_verify() -> None:
    secret = new_signing_secret()
    headers = signed_headers(secret, "d1", datetime.now(UTC), '{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(b'{"a":1}', headers)


def test_secrets_are_standard_webhooks_secrets_of_32_random_bytes() -> None:
    secret = new_signing_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert new_signing_secret() != secret


def test_a_sealed_secret_opens_only_with_its_key_and_does_not_show_it() -> None:
    secret = new_signing_secret()
    sealed = SecretBox("k" * 40).seal(secret)
    assert secret not in sealed
    assert secret.removeprefix("whsec_") not in sealed
    assert SecretBox("k" * 40).open(sealed) == secret
    with pytest.raises(ValueError, match="another key"):
        SecretBox("j" * 40).open(sealed)
    with pytest.raises(ValueError, match="another key"):
        SecretBox("k" * 40).open(sealed[:-4] + "AAAA")
