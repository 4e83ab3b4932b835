"""Argon2id password hashing (pwdlib), off the event loop.

Hashing is deliberately slow, so it runs in a worker thread (argon2 releases the GIL), and an
unknown email is checked against a dummy hash: it costs the same as a wrong password.
"""

import asyncio
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
        self._dummy_hash = self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        """The Argon2id hash of `password`."""
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether `password` matches; with no hash, the same work is done and False returned."""
        if password_hash is None:
            await asyncio.to_thread(self._hash.verify, password, self._dummy_hash)
            return False
        return await asyncio.to_thread(self._hash.verify, password, password_hash)
