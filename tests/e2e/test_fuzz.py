"""Schemathesis against a live server, as each role, in the gate: a bounded run of
`python -m tests.fuzz` (every check, every phase, stateful included)."""

import pytest

from tests import fuzz

pytestmark = pytest.mark.server


def test_the_api_holds_up_to_property_based_fuzzing_as_every_role(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.argv", ["fuzz", "--max-examples", "5", "--seed", "20261122"])
    assert fuzz.main() == 0
