"""How answers of `POST /api/v1/runs:batch` map to retry, split, drop or fail."""

from __future__ import annotations

import json

import pytest

from keel.sdk.transport import DeliveryVerdict, invalid_field_outcome, outcome_of_response


def error_body(field: str | None, message: str = "bad") -> bytes:
    return json.dumps(
        {"error": {"code": "invalid_input", "message": message, "field": field}}
    ).encode()


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, DeliveryVerdict.DELIVERED),
        (500, DeliveryVerdict.RETRY),
        (503, DeliveryVerdict.RETRY),
        (429, DeliveryVerdict.RETRY),
        (413, DeliveryVerdict.TOO_LARGE),
        (401, DeliveryVerdict.REFUSED),
        (400, DeliveryVerdict.REFUSED),
        (404, DeliveryVerdict.REFUSED),
    ],
)
def test_status_codes_map_to_verdicts(status: int, verdict: DeliveryVerdict) -> None:
    assert outcome_of_response(status, b"{}").verdict is verdict


def test_invalid_field_names_the_run_to_set_aside() -> None:
    outcome = outcome_of_response(422, error_body("runs[3].events[0].seq", "not an int"))
    assert (outcome.verdict, outcome.run_index) == (DeliveryVerdict.INVALID_RUN, 3)
    assert "not an int" in outcome.reason and "422" in outcome.reason


def test_invalid_body_without_a_run_path_refuses_the_whole_batch() -> None:
    assert outcome_of_response(422, error_body("body")).verdict is DeliveryVerdict.REFUSED
    assert invalid_field_outcome(None, "no field").verdict is DeliveryVerdict.REFUSED


def test_non_json_error_body_still_gives_a_reason() -> None:
    outcome = outcome_of_response(502, b"<html>Bad Gateway</html>")
    assert outcome.verdict is DeliveryVerdict.RETRY and "Bad Gateway" in outcome.reason
