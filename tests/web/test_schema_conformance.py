"""schemathesis against the live app, on both databases: no 5xx, and every answer is one the
OpenAPI document declares (status, content type, body schema). Examples are bounded so the
run takes seconds; issue 17 found a 5xx this way."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LiveServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/toml", "application/x-protobuf")
def raw_bytes(context: Any, value: Any) -> bytes:
    """Policy TOML and OTLP protobuf bodies go on the wire as generated (text or bytes)."""
    return value if isinstance(value, bytes) else str(value).encode()


EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 5}


def exercise(server: LiveServer, headers: dict[str, str]) -> int:
    """Run every operation's examples against `server`; return how many requests were made."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    calls = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():

            @hypothesis_settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                response = case.call(base_url=server.url, headers=headers)
                calls[0] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no parameters)
    return calls[0]


@pytest.mark.slow
def test_the_open_app_answers_every_generated_request_as_its_schema_says(
    live_server: LiveServer,
) -> None:
    assert exercise(live_server, {}) > 150


@pytest.mark.slow
def test_the_app_with_a_key_answers_every_generated_request_as_its_schema_says(
    settings: Any, database: Any
) -> None:
    locked = settings.model_copy(update={"api_key": SecretStr("keel-schemathesis-admin-key")})
    with LiveServer(locked, database) as server:
        assert exercise(server, {"Authorization": "Bearer keel-schemathesis-admin-key"}) > 150
