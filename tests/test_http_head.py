"""HEAD answers wherever GET does (uptime monitors and link checkers send it)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/en/register",
        "/zh-hant-hk/register",
        "/en/terms",
        "/en/privacy",
        "/admin/login",
        "/healthz",
        "/readyz",
        "/api/form",
        "/api/openapi.json",
        "/embed.js",
    ],
)
async def test_head_answers_as_get_does_without_a_body(
    client: httpx.AsyncClient, path: str
) -> None:
    got = await client.get(path)
    head = await client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers.get("content-type") == got.headers.get("content-type")
