"""One structured log line per request, with no personal data."""

from __future__ import annotations

import logging

import httpx
import pytest

from leadform.web.request_log import log_path
from tests.conftest import FakeClock
from tests.test_http_form import VALID, fresh_token

pytestmark = pytest.mark.anyio


def request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "leadform.request"]


async def test_each_request_logs_method_path_status_duration_and_locale(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadform.request")
    await client.get("/zh-hant-hk/register?utm_source=newsletter")
    [line] = request_lines(caplog)
    fields = dict(part.split("=", 1) for part in line.split())
    assert fields.keys() == {"method", "path", "status", "duration_ms", "locale"}
    assert (fields["method"], fields["path"], fields["status"], fields["locale"]) == (
        "GET",
        "/zh-hant-hk/register",
        "200",
        "zh-Hant-HK",
    )
    assert float(fields["duration_ms"]) >= 0


async def test_a_submission_logs_no_personal_data(
    client: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    token = await fresh_token(client, clock)
    caplog.set_level(logging.INFO, logger="leadform")
    response = await client.post(
        "/en/register?email=chan@example.com", data=VALID | {"token": token}
    )
    assert response.status_code == 303
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for personal in ("陳大文", "9123", "chan@example.com", "203.0.113.9", token):
        assert personal not in logged
    assert "method=POST path=/en/register status=303" in request_lines(caplog)[-1]


async def test_responses_without_a_language_log_a_dash(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadform.request")
    await client.get("/healthz")
    assert request_lines(caplog)[-1].split()[-1] == "locale=-"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/en/register", "/en/register"),
        ("/a b\n", "/a\\x20b\\n"),
        ("/中", "/\\u4e2d"),
        ("/" + "x" * 500, "/" + "x" * 199),
    ],
)
def test_logged_path_is_one_printable_token(path: str, logged: str) -> None:
    assert log_path(path) == logged
