"""Argon2id hashing, and an unknown account costing the same work as a wrong password."""

import pytest
from pwdlib import PasswordHash

from src.infrastructure.security import PasswordHasher


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)


async def test_a_hash_is_argon2id_salted_and_verifies_only_its_password(
    hasher: PasswordHasher,
) -> None:
    first, second = await hasher.hash("correct horse"), await hasher.hash("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert await hasher.verify("correct horse", first)
    assert not await hasher.verify("wrong horse", first)


async def test_an_unknown_account_is_checked_against_a_real_hash_all_the_same(
    hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    original = PasswordHash.verify

    def spy(self: PasswordHash, password: str | bytes, hash: str | bytes) -> bool:  # noqa: A002
        verified.append(str(hash))
        return original(self, password, hash)

    monkeypatch.setattr(PasswordHash, "verify", spy)
    assert not await hasher.verify("any password", None)
    real = await hasher.hash("any password")
    assert await hasher.verify("any password", real)
    assert len(verified) == 2
    assert verified[0].startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert verified[0].split("$")[3] == real.split("$")[3]  # the same cost parameters
    # and a salt and digest as long as a real hash's: the same work to check
    assert [len(part) for part in verified[0].split("$")[4:]] == [
        len(part) for part in real.split("$")[4:]
    ]
