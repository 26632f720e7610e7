"""The OpenAPI document describes exactly the API the app serves."""

from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from leadform.application import create_app
from leadform.config import Settings
from leadform.views.api import openapi_document

pytestmark = pytest.mark.anyio


def served_operations(settings: Settings) -> set[tuple[str, str]]:
    app = create_app(settings)
    found = set()
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/"):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((route.path, method.lower()))
    return found


def documented_operations() -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_document_is_valid_openapi() -> None:
    validate(openapi_document())


def test_every_api_route_is_documented_and_nothing_else(settings: Settings) -> None:
    assert served_operations(settings) == documented_operations()


async def test_document_is_served_as_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json() == openapi_document()


def test_documented_submission_fields_are_the_forms_fields() -> None:
    from leadform.domain.leads import ATTRIBUTION_FIELDS
    from leadform.registration.rules import FIELDS, HONEYPOT

    properties = openapi_document()["components"]["schemas"]["LeadSubmission"]["properties"]
    assert set(properties) == {"token", "locale", HONEYPOT, *FIELDS, *ATTRIBUTION_FIELDS}
