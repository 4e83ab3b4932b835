"""Schemathesis against a live server, as each role, in the gate: a bounded run of
`python -m tests.fuzz` (every check, every phase, stateful included)."""

import re

import pytest

from tests import fuzz

pytestmark = pytest.mark.server


def test_the_api_holds_up_to_property_based_fuzzing_as_every_role(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The coverage phase's cases are most of a short run's: as the buyer (who alone orders and
    # pays) and the admin (who may do the rest), not as the anonymous caller or the seller.
    arguments = ["--max-examples", "5", "--seed", "20261122", "--coverage-roles", "buyer,admin"]
    monkeypatch.setattr("sys.argv", ["fuzz", *arguments])
    assert fuzz.main() == 0
    # Each role's reach is read from schemathesis' event report; an admin's requests succeed.
    reached = re.findall(
        r"stateful phase reached (\d+) of (\d+) operations .*\((\d+) with a 2xx, (\d+) through"
        r" a link\); (\d+) answered anything but 404",
        capsys.readouterr().out,
    )
    assert len(reached) == 4, reached
    answered, operations, succeeded, linked, not_404 = map(int, reached[-1])
    assert 0 < succeeded <= answered <= not_404 <= operations
    assert linked <= answered
