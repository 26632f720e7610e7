"""Checks answers against the API's OpenAPI document, so the document stays true."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator

from leadform.views.api import openapi_document


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    document = openapi_document()
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, undocumented"
    schema: dict[str, Any] = responses[str(status)]["content"]["application/json"]["schema"]
    # Resolve "#/components/..." against the whole document.
    return schema | {"components": document["components"]}


def assert_documented(response: httpx.Response, path: str, method: str) -> None:
    """The answer's status is documented for the operation and its body fits the schema."""
    schema = response_schema(path, method, response.status_code)
    Draft202012Validator(schema).validate(response.json())
    documented_headers = (
        openapi_document()["paths"][path][method]["responses"][str(response.status_code)]
    ).get("headers", {})
    for name in documented_headers:
        assert name.lower() in response.headers, f"{name} documented but not sent"
