"""A rating's average, and the rank `sort=-rating` orders by, against exact arithmetic."""

from fractions import Fraction
from math import floor

from hypothesis import given
from hypothesis import strategies as st

from src.domain.ratings import Rating
from src.domain.reviews.entities import MAX_RATING, MIN_RATING

# Any number of reviews, each of 1 to 5 stars: (count, total) with count ≤ total ≤ 5 × count.
ratings = st.integers(min_value=0, max_value=10**9).flatmap(
    lambda count: st.builds(
        lambda total: Rating(count=count, total=total),
        st.integers(min_value=MIN_RATING * count, max_value=MAX_RATING * count),
    )
)


@given(ratings)
def test_the_average_is_the_exact_mean_rounded_half_up_to_hundredths(rating: Rating) -> None:
    if rating.count == 0:
        assert (rating.average, rating.hundredths, rating.rank) == (None, None, 0)
        return
    exact = Fraction(rating.total * 100, rating.count)
    assert rating.hundredths == floor(exact + Fraction(1, 2))
    assert rating.average is not None
    assert abs(Fraction(rating.average) * 100 - exact) <= Fraction(1, 2) + Fraction(1, 10**9)
    assert MIN_RATING <= rating.average <= MAX_RATING
    assert f"{rating.average}" == f"{rating.hundredths / 100}"  # two decimals at most


@given(ratings, ratings)
def test_the_rank_orders_by_the_average_then_the_count_with_unrated_last(
    first: Rating, second: Rating
) -> None:
    def shown(rating: Rating) -> tuple[int, int]:
        return (-1, 0) if rating.hundredths is None else (rating.hundredths, rating.count)

    assert (first.rank < second.rank) == (shown(first) < shown(second))
    assert (first.rank == second.rank) == (shown(first) == shown(second))


@given(ratings, st.lists(st.integers(MIN_RATING, MAX_RATING), max_size=20))
def test_adding_and_removing_the_same_reviews_gives_the_rating_back(
    rating: Rating, stars: list[int]
) -> None:
    changed = rating
    for star in stars:
        changed = changed.changed(total=star, count=1)
    assert changed == Rating(count=rating.count + len(stars), total=rating.total + sum(stars))
    for star in reversed(stars):
        changed = changed.changed(total=-star, count=-1)
    assert changed == rating


def test_ties_at_the_half_round_up() -> None:
    assert Rating(count=8, total=33).average == 4.13  # 4.125
    assert Rating(count=3, total=13).average == 4.33  # 4.333…
    assert Rating(count=3, total=14).average == 4.67  # 4.666…
    assert Rating(count=1, total=5).average == 5.0
