"""Waking this process's relays as soon as a transaction that recorded events commits.

Relays poll as well, so a wake-up only saves time: one lost (a relay in another process, a
commit during a round) delays delivery until the next poll, and never loses an event.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from src.infrastructure.database import after_commit

# Relays running in this process, each waiting on its own event.
_listeners: set[asyncio.Event] = set()


def wake_relays_after_commit() -> None:
    """Wake this process's relays once the running transaction commits (never if it rolls
    back), so that they find what it recorded."""
    after_commit(_wake_relays)


def _wake_relays() -> None:
    for listener in _listeners:
        listener.set()


@contextmanager
def wake_ups() -> Iterator[asyncio.Event]:
    """An event set whenever a transaction that recorded events commits, while inside."""
    wake = asyncio.Event()
    _listeners.add(wake)
    try:
        yield wake
    finally:
        _listeners.discard(wake)


async def first_of(*events: asyncio.Event, seconds: float) -> None:
    """Wait until one of `events` is set, or `seconds` have passed."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
