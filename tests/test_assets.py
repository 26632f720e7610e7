"""Static files: content-hashed names, cache lifetimes, revalidation."""

from __future__ import annotations

import re

import httpx
import pytest

from leadform.web.assets import IMMUTABLE, REVALIDATE, Assets, hashed_name, load_assets

pytestmark = pytest.mark.anyio


def test_hashed_name_changes_with_the_content() -> None:
    first = hashed_name("leadform.css", b"body { color: red }")
    assert re.fullmatch(r"leadform\.[0-9a-f]{10}\.css", first)
    assert hashed_name("leadform.css", b"body { color: blue }") != first
    assert hashed_name("leadform.css", b"body { color: red }") == first


def test_every_static_file_gets_a_hashed_url() -> None:
    assets = load_assets()
    for name in ("leadform.css", "leadform.js", "favicon.svg"):
        assert re.fullmatch(rf"/static/{name.split('.')[0]}\.[0-9a-f]{{10}}\.\w+", assets.url(name))


@pytest.mark.parametrize(
    ("requested", "resolved"),
    [
        ("leadform.0123456789.css", ("leadform.css", True)),
        ("leadform.fedcba9876.css", ("leadform.css", False)),  # from before a deploy
        ("leadform.css", ("leadform.css", False)),
        ("leadform.notahash12.css", ("leadform.notahash12.css", False)),
    ],
)
def test_requested_name_resolves_to_the_file_and_whether_it_is_current(
    requested: str, resolved: tuple[str, bool]
) -> None:
    assets = Assets({"leadform.css": "leadform.0123456789.css"})
    assert assets.resolve(requested) == resolved


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


async def test_pages_link_static_files_by_hashed_name(client: httpx.AsyncClient) -> None:
    html = (await client.get("/en/register")).text
    urls = asset_urls(html)
    assert {url.rsplit(".", 1)[1] for url in urls} == {"css", "js", "svg"}
    for url in urls:
        assert re.search(r"\.[0-9a-f]{10}\.\w+$", url)


async def test_hashed_static_file_may_be_cached_for_a_year(client: httpx.AsyncClient) -> None:
    for url in asset_urls((await client.get("/en/register")).text):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == IMMUTABLE


async def test_stale_hash_still_gets_the_file_but_not_for_long(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/leadform.0000000000.css")
    assert response.status_code == 200
    assert "--accent" in response.text
    assert response.headers["cache-control"] == REVALIDATE


async def test_plain_name_is_revalidated_with_its_etag(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/leadform.css")
    assert response.headers["cache-control"] == REVALIDATE
    again = await client.get(
        "/static/leadform.css", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_unknown_static_file_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/static/nothing.0123456789.css")).status_code == 404
