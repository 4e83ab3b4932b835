"""Access tokens: only well-formed, correctly signed, current HS256 tokens are accepted."""

import base64
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from src.infrastructure.errors import Unauthorized
from src.infrastructure.security import TokenCodec

SECRET = "unit-test-secret-key-long-enough-for-hs256!"


def now() -> datetime:
    """Read at each use: a module-level time goes stale in a long test run."""
    return datetime.now(UTC)


@pytest.fixture
def codec() -> TokenCodec:
    return TokenCodec(secret=SECRET, algorithm="HS256", access_ttl=900)


def _claims(**overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": str(uuid4()),
        "role": "buyer",
        "typ": "access",
        "iat": now(),
        "exp": now() + timedelta(minutes=5),
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_issued_token_decodes_to_its_subject_and_role(codec: TokenCodec) -> None:
    subject = uuid4()
    claims = codec.decode_access(codec.issue_access(subject=subject, role="seller", now=now()))
    assert (claims.subject, claims.role) == (subject, "seller")
    assert claims.expires_at == (now() + timedelta(seconds=900)).replace(microsecond=0)


def test_alg_none_is_refused(codec: TokenCodec) -> None:
    payload = _claims(iat=int(now().timestamp()), exp=int(now().timestamp()) + 300)
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
    with pytest.raises(Unauthorized):
        codec.decode_access(unsigned)


def test_a_token_signed_with_another_key_is_refused(codec: TokenCodec) -> None:
    forged = jwt.encode(_claims(), "another-secret-key-of-enough-length!!", algorithm="HS256")
    with pytest.raises(Unauthorized):
        codec.decode_access(forged)


def test_a_token_signed_with_another_algorithm_is_refused(codec: TokenCodec) -> None:
    forged = jwt.encode(_claims(), SECRET + SECRET, algorithm="HS512")
    with pytest.raises(Unauthorized):
        codec.decode_access(forged)


def test_an_expired_token_is_refused(codec: TokenCodec) -> None:
    expired = jwt.encode(_claims(exp=now() - timedelta(seconds=1)), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        codec.decode_access(expired)


def test_a_not_yet_valid_token_is_refused(codec: TokenCodec) -> None:
    early = jwt.encode(_claims(nbf=now() + timedelta(minutes=1)), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        codec.decode_access(early)


@pytest.mark.parametrize("missing", ["sub", "exp", "iat"])
def test_a_token_missing_a_required_claim_is_refused(codec: TokenCodec, missing: str) -> None:
    token = jwt.encode(_claims(**{missing: None}), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        codec.decode_access(token)


@pytest.mark.parametrize("overrides", [{"typ": "refresh"}, {"role": None}, {"sub": "not-a-uuid"}])
def test_a_token_that_is_not_an_access_token_is_refused(
    codec: TokenCodec, overrides: dict[str, object]
) -> None:
    token = jwt.encode(_claims(**overrides), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        codec.decode_access(token)


def test_a_tampered_payload_is_refused(codec: TokenCodec) -> None:
    header, _, signature = codec.issue_access(subject=uuid4(), role="buyer", now=now()).split(".")
    admin_payload = _b64(_claims(role="admin", iat=int(now().timestamp()), exp=2**31))
    with pytest.raises(Unauthorized):
        codec.decode_access(f"{header}.{admin_payload}.{signature}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x"])
def test_garbage_is_refused(codec: TokenCodec, garbage: str) -> None:
    with pytest.raises(Unauthorized):
        codec.decode_access(garbage)


def test_refresh_tokens_are_unique_and_stored_only_as_fingerprints() -> None:
    first, second = TokenCodec.new_refresh_token(), TokenCodec.new_refresh_token()
    assert first != second
    assert len(first) >= 40
    assert TokenCodec.fingerprint(first) != first
    assert TokenCodec.fingerprint(first) == TokenCodec.fingerprint(first)
