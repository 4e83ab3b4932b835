"""The search rule in plain Python: what a word is, what `q` asks, and when a product matches."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.catalog import ProductFilter
from src.domain.catalog.rules import (
    MAX_QUERY_WORDS,
    MAX_WORD_LENGTH,
    check_filter,
    matches_words,
    query_words,
    search_text,
    search_title,
    words,
)
from src.infrastructure.errors import ValidationFailed

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@pytest.mark.parametrize(
    ("written", "seen"),
    [
        ("Café au lait", ["cafe", "au", "lait"]),
        ("Walnut desk, walnut DESK!", ["walnut", "desk"]),
        ("Straße", ["strasse"]),
        ("ﬁne ＬＡＭＰ", ["fine", "lamp"]),  # compatibility forms fold to their letters
        ("a_b 50% x-ray", ["a", "b", "50", "x", "ray"]),
        ("Ångström crème brûlée", ["angstrom", "creme", "brulee"]),
        ("", []),
        ("!!! ...", []),
    ],
)
def test_words_are_runs_of_letters_and_digits_folded_once_each(
    written: str, seen: list[str]
) -> None:
    assert words(written) == seen


@given(text)
def test_the_words_of_stored_words_are_the_same_words(written: str) -> None:
    """The index stores words joined by spaces: reading them again changes nothing."""
    assert words(search_title(written)) == words(written)


@given(text)
def test_a_word_is_never_empty_too_long_or_spaced(written: str) -> None:
    for word in words(written):
        assert 0 < len(word) <= MAX_WORD_LENGTH
        assert word == word.strip()
        assert " " not in word


@given(title=text, description=text, data=st.data())
def test_every_prefix_of_a_products_words_finds_it(
    title: str, description: str, data: st.DataObject
) -> None:
    have = words(f"{title}\n{description}")
    if not have:
        return
    chosen = data.draw(st.lists(st.sampled_from(have), min_size=1, max_size=3))
    prefixes = [word[: data.draw(st.integers(1, len(word)))] for word in chosen]
    assert matches_words(query_words(" ".join(prefixes)) or (), have)
    assert set(search_text(title, description).split()) == set(have)


@given(text, text)
def test_a_word_that_starts_no_word_finds_nothing(written: str, asked: str) -> None:
    have = words(written)
    wanted = words(asked)
    if any(not any(word.startswith(prefix) for word in have) for prefix in wanted):
        assert not matches_words(wanted, have)


def test_blank_asks_nothing_and_punctuation_asks_for_what_no_product_has() -> None:
    assert query_words(None) is None
    assert query_words("   ") is None
    assert query_words("%_!") == ()
    assert not matches_words((), ["lamp"])
    assert query_words("Desk desk LAMP") == ("desk", "lamp")


def test_a_q_of_more_than_ten_words_is_refused_naming_q() -> None:
    check_filter(ProductFilter(q=" ".join(["lamp"] * MAX_QUERY_WORDS)))
    with pytest.raises(ValidationFailed) as refused:
        check_filter(ProductFilter(q=" ".join(["lamp"] * (MAX_QUERY_WORDS + 1))))
    assert [error.loc for error in refused.value.errors] == [("query", "q")]
