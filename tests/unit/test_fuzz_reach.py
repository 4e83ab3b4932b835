"""The fuzzer's reach report counts what got past made-up ids, not what validation refused."""

import json
from pathlib import Path
from typing import Any

from tests.fuzz import StatefulReach


def _case(method: str, path: str, mode: str, *, linked: bool = False) -> dict[str, Any]:
    meta = {"generation": {"mode": mode}}
    value = {"method": method, "path": path, "meta": meta}
    return {"value": value, "is_transition_applied": linked}


def _scenario(phase: str, *steps: tuple[dict[str, Any], int | None]) -> dict[str, Any]:
    cases = {str(n): case for n, (case, _) in enumerate(steps)}
    interactions = {
        str(n): {"response": None if status is None else {"status_code": status}}
        for n, (_, status) in enumerate(steps)
    }
    recorder = {"cases": cases, "interactions": interactions}
    return {"ScenarioFinished": {"phase": phase, "recorder": recorder}}


def _report(folder: Path, *events: dict[str, Any]) -> Path:
    loading = {"LoadingFinished": {"statistic": {"operations": {"total": 5}}}}
    skipped = {"ScenarioFinished": {"phase": "stateful", "recorder": {"label": "Stateful"}}}
    path = folder / "events.ndjson"
    path.write_text("".join(json.dumps(event) + "\n" for event in (loading, skipped, *events)))
    return path


def test_only_valid_input_answered_past_authentication_ids_and_validation_counts(
    tmp_path: Path,
) -> None:
    pay, ship = "/api/v1/orders/{order_id}/pay", "/api/v1/orders/{order_id}/shipments"
    report = _report(
        tmp_path,
        _scenario(
            "stateful",
            (_case("POST", "/api/v1/products", "positive"), 201),
            (_case("patch", "/api/v1/products/{product_id}", "positive", linked=True), 200),
            (_case("POST", pay, "negative"), 422),  # refused before its made-up id was read
            (_case("POST", pay, "positive"), 404),
            (_case("GET", "/api/v1/orders", "positive"), 401),
            (_case("GET", "/api/v1/admin/events", "positive"), 403),
            (_case("POST", ship, "positive"), None),  # no answer
        ),
        _scenario("fuzzing", (_case("GET", "/api/v1/users", "positive"), 200)),
    )

    reach = StatefulReach.read(report)

    assert reach.operations == 5
    assert set(reach.statuses) == {
        "POST /api/v1/products",
        "PATCH /api/v1/products/{product_id}",
        "GET /api/v1/admin/events",
    }
    assert reach.succeeded == {"POST /api/v1/products", "PATCH /api/v1/products/{product_id}"}
    assert reach.linked == {"PATCH /api/v1/products/{product_id}"}
    assert reach.not_404 == set(reach.statuses) | {f"POST {pay}", "GET /api/v1/orders"}
    assert str(reach).startswith(
        "stateful phase reached 3 of 5 operations with valid input answered other than 401,"
        " 404 or 422 (2 with a 2xx, 1 through a link); 5 answered anything but 404:"
    )
    assert "PATCH /api/v1/products/{product_id} 200x1 (linked)" in str(reach)
