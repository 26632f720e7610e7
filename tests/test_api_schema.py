"""Schemathesis against the service's own OpenAPI document, on a real server: every
request it generates from /api/openapi.json (valid and invalid) gets an answer the
document allows, never a 5xx, and only a 201 stores a lead."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.servers import running_server

pytestmark = pytest.mark.slow


def count_leads(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT count(*) FROM leads").fetchone()[0])


def test_the_api_answers_as_its_openapi_document_says(tmp_path: Path) -> None:
    # schemathesis's own pytest plugin does not run under this pytest; its strategies do.
    with running_server(tmp_path) as server:
        schema = schemathesis.openapi.from_url(server.url("/api/openapi.json"))
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.label for op in operations} >= {"GET /api/form", "POST /api/leads"}
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=60,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            )
            def answers_as_documented(case: schemathesis.Case) -> None:
                before = count_leads(server.database)
                response = case.call()
                # A schema cannot say a token must be one the service signed, so a
                # schema-valid body may rightly be refused: that check is left out.
                case.validate_response(response, excluded_checks=[positive_data_acceptance])
                stored = count_leads(server.database) - before
                assert stored == 0 or (response.status_code == 201 and stored == 1)

            answers_as_documented()
