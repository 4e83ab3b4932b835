"""Argon2id password hashing (pwdlib), off the event loop.

Hashing is deliberately slow, so it runs in a worker thread (argon2 releases the GIL), and an
unknown email is checked against a dummy hash: it costs the same as a wrong password.
"""

import asyncio
import base64
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    """Hashes and verifies passwords with Argon2id."""

    def __init__(self, *, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
                ),
            )
        )
        self._dummy_hash = _matchless_hash(
            time_cost=time_cost, memory_cost_kib=memory_cost_kib, parallelism=parallelism
        )

    async def hash(self, password: str) -> str:
        """The Argon2id hash of `password`."""
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether `password` matches; with no hash, the same work is done and False returned."""
        if password_hash is None:
            await asyncio.to_thread(self._hash.verify, password, self._dummy_hash)
            return False
        return await asyncio.to_thread(self._hash.verify, password, password_hash)


def _matchless_hash(*, time_cost: int, memory_cost_kib: int, parallelism: int) -> str:
    """A well-formed Argon2id hash, with our cost parameters, of no password at all: a random
    salt and a random digest. Checking a password against it costs exactly what checking a
    real hash does, yet making it costs nothing: hashing one at start-up took each worker's
    memory to a 64 MiB peak and held up its event loop."""

    def random_b64(size: int) -> str:
        return base64.b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()

    parameters = f"m={memory_cost_kib},t={time_cost},p={parallelism}"
    return f"$argon2id$v=19${parameters}${random_b64(16)}${random_b64(32)}"
