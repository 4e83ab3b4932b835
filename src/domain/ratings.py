"""Ratings: how many reviews a product (or all of a seller's products) has, and their sum."""

from dataclasses import dataclass

# A rating's sort rank: its average in hundredths, then its count, in one integer. Counts stay
# below 2**33 (eight billion reviews of one product), so no count can reach the next average.
_COUNT_BITS = 33


@dataclass(frozen=True, slots=True)
class Rating:
    """A product's (or a seller's) ratings: how many, and their sum."""

    count: int = 0
    total: int = 0

    @property
    def hundredths(self) -> int | None:
        """The average in hundredths, rounded half up (4.125 → 413); None when unrated."""
        if self.count == 0:
            return None
        return (200 * self.total + self.count) // (2 * self.count)

    @property
    def average(self) -> float | None:
        """The average to two decimals (433 hundredths → 4.33)."""
        hundredths = self.hundredths
        return None if hundredths is None else hundredths / 100

    @property
    def rank(self) -> int:
        """What `sort=-rating` orders by, descending: the average, then the count; 0, below
        every rated product, when unrated."""
        hundredths = self.hundredths
        return 0 if hundredths is None else (hundredths << _COUNT_BITS) + self.count

    def changed(self, *, total: int, count: int) -> "Rating":
        """The rating after a review is added (count +1), edited (0) or removed (−1)."""
        return Rating(count=self.count + count, total=self.total + total)
