"""When a failed delivery is tried again, and when it is given up on."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Failure:
    """A delivery that failed: when to try again, why, and whether it is dead now."""

    event_id: UUID
    retry_at: datetime
    error: str
    dead_at: datetime | None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff, doubled at each failed attempt up to a cap, for so many attempts.

    `jitter` spreads each wait over ±that share of it (`jittered_backoff`), so that receivers
    that failed together are not all retried together."""

    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=10)
    max_attempts: int = 10
    jitter: float = 0.0

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt (the first is 1)."""
        # A bounded exponent: past the cap the product need only be large, not exact.
        return min(self.first_backoff * (1 << min(max(attempts - 1, 0), 20)), self.max_backoff)

    def jittered_backoff(self, attempts: int, draw: float) -> timedelta:
        """`backoff`, scaled by a factor within ±`jitter` that `draw` (in [0, 1)) picks;
        never past `max_backoff`."""
        factor = 1 - self.jitter + 2 * self.jitter * min(max(draw, 0.0), 1.0)
        return min(self.backoff(attempts) * factor, self.max_backoff)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def failure(
        self, event_id: UUID, attempts: int, error: str, now: datetime, *, final: bool = False
    ) -> Failure:
        """What to record of an event whose `attempts`-th delivery failed with `error`; a
        `final` failure (one no retry can mend) is dead at once."""
        dead = final or self.gives_up(attempts)
        return Failure(event_id, now + self.backoff(attempts), error, now if dead else None)
