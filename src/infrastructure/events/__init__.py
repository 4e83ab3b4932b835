"""Waking the outbox relays of this process after a commit that recorded events."""

from src.infrastructure.events.wakeups import first_of, wake_relays_after_commit, wake_ups

__all__ = ["first_of", "wake_relays_after_commit", "wake_ups"]
