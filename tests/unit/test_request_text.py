"""Request text: the server takes exactly what its schema allows, then trims it.

A client checks text against the document (`minLength`, `maxLength`, `pattern`) before it is
sent, with its own regular expressions; the server must accept what passes and refuse what
does not, whatever whitespace is in it, and store it trimmed."""

import re
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from src.presentation.rest.schemas import WHITE_SPACE, Text, text

MAX = 12
# Text made mostly of what is at stake: whitespace of every kind, U+0000 and a few letters.
TRICKY = st.text(
    st.sampled_from([*WHITE_SPACE, "\x00", "a", "é", "\u200b", "😀"]), max_size=MAX + 3
)


def _conforms(value: str, schema: dict[str, Any]) -> bool:
    """What a client's validator says, with Python's regular expressions (JSON Schema's
    `pattern` is a search, not a full match)."""
    pattern, low, high = str(schema["pattern"]), schema["minLength"], schema["maxLength"]
    return int(low) <= len(value) <= int(high) and re.search(pattern, value) is not None


@pytest.mark.parametrize("min_length", [0, 1, 2])
@given(value=TRICKY)
def test_text_is_taken_exactly_when_it_conforms_to_the_schema_and_stored_trimmed(
    min_length: int, value: str
) -> None:
    adapter = TypeAdapter(Annotated[str, text(MAX, min_length=min_length)])
    try:
        taken = adapter.validate_python(value)
    except ValidationError:
        assert not _conforms(value, adapter.json_schema())
        return
    assert _conforms(value, adapter.json_schema())
    assert taken == value.strip(WHITE_SPACE)
    assert len(taken) >= min_length
    assert "\x00" not in taken


def test_surrounding_whitespace_counts_towards_the_longest_text() -> None:
    """The fuzzer's finding: 201 characters, one of them a leading newline, were taken as a
    200-character name although the document says 200 at most."""
    adapter = TypeAdapter(Annotated[str, text(200)])
    with pytest.raises(ValidationError, match="at most 200 characters"):
        adapter.validate_python("\n" + "x" * 200)
    assert adapter.validate_python("\n" + "x" * 199) == "x" * 199


def test_a_trimmed_length_no_pattern_can_say_is_refused_when_the_model_is_built() -> None:
    with pytest.raises(ValueError, match="trimmed text is 3 long"):
        TypeAdapter(Annotated[str, Text(10, min_length=3)])


def test_optional_text_takes_null_as_it_is() -> None:
    """The shipping address' `line2` is `Annotated[str | None, text(…)]`: the trimming runs on
    the whole union (a `null` once answered 500)."""
    adapter = TypeAdapter(Annotated[str | None, text(20, min_length=0)])
    assert adapter.validate_python(None) is None
    assert adapter.validate_python(" Flat 2 ") == "Flat 2"
