"""/metrics: Prometheus's text format, for an API token only; leads per language and
treatment, responses by route and status, durations, notifications, database size."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from leadform.config import PostgresUrl, Settings
from leadform.web.metrics import RequestMetrics
from tests.conftest import FakeClock, form_token
from tests.databases import on_engine
from tests.factories import add_token
from tests.servers import running_server
from tests.test_http_form import VALID

pytestmark = pytest.mark.anyio


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every in-process test here on both engines


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.parametrize("authorization", [None, "Bearer lf_nothing_valid", "Basic eDp5"])
async def test_metrics_without_a_valid_token_is_refused(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "leadform_" not in response.text


async def test_metrics_count_leads_responses_and_notifications(
    client: httpx.AsyncClient, settings: Settings, clock: FakeClock
) -> None:
    token = add_token(settings.database)
    page = await client.get("/en/register")
    clock.advance(5)
    stored = await client.post("/en/register", data=VALID | {"token": form_token(page.text)})
    assert stored.status_code == 303
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)
    lead_labels = (("locale", "en"), ("treatment", VALID["treatment"]))
    assert found[("leadform_leads", lead_labels)] == 1
    route = ("route", "/{locale}/register")
    assert found[("leadform_responses_total", (route, ("status", "200")))] == 1
    assert found[("leadform_responses_total", (route, ("status", "303")))] == 1
    assert found[("leadform_request_duration_seconds_count", (route,))] == 2
    assert found[("leadform_notification_oldest_pending_seconds", ())] >= 0
    assert found[("leadform_database_size_bytes", ())] > 0


async def test_unknown_paths_share_one_route_label(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    token = add_token(settings.database)
    for path in ("/nope", "/wp-login.php", "/a/b/c"):
        await client.get(path)
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    found = samples(response.text)
    assert found[("leadform_responses_total", (("route", "unmatched"), ("status", "404")))] == 3


def test_metrics_sum_every_worker(tmp_path: Path) -> None:
    with running_server(tmp_path, "--workers=2") as server:
        token = add_token(server.database)
        with httpx.Client(base_url=server.base_url) as client:
            for _ in range(20):
                assert client.get("/api/form").status_code == 200
        time.sleep(RequestMetrics.FLUSH_SECONDS + 1)  # each worker hands its tally on
        response = httpx.get(server.url("/metrics"), headers={"Authorization": f"Bearer {token}"})
    found = samples(response.text)
    route = (("route", "/api/form"), ("status", "200"))
    assert found[("leadform_responses_total", route)] == 20
