"""docs/examples/nginx-several-instances.conf, run as written (ports changed) in front
of three instances on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from leadform.config import PostgresUrl
from tests.conftest import ROOT
from tests.databases import rows
from tests.servers import (
    Server,
    bookable_day,
    free_port,
    lead_form,
    new_token,
    spawn,
    start_server,
    stop,
    wait_ready,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

EXAMPLE = ROOT / "docs" / "examples" / "nginx-several-instances.conf"
NGINX = "/usr/sbin/nginx"


@pytest.fixture(autouse=True)
def nginx() -> None:
    if not Path(NGINX).exists():
        pytest.skip("needs Debian's nginx: apt-get install nginx (.ci/run installs it)")


def nginx_config(folder: Path, ports: list[int], listen: int) -> Path:
    site = EXAMPLE.read_text(encoding="utf-8")
    upstreams = iter(ports)
    site = re.sub(
        r"server 127\.0\.0\.1:800\d;", lambda _: f"server 127.0.0.1:{next(upstreams)};", site
    )
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    (folder / "site.conf").write_text(site, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {folder}/body;\n"
        f"  proxy_temp_path {folder}/proxy;\n  include {folder}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


async def test_three_instances_behind_the_documented_nginx_config(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    servers: list[Server] = []
    listen = free_port()
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    try:
        for i in range(3):
            folder = tmp_path / f"instance-{i}"
            folder.mkdir()
            servers.append(
                start_server(
                    folder, LEADFORM_DATABASE=postgres.url, LEADFORM_TRUSTED_PROXIES="127.0.0.1"
                )
            )
        config = nginx_config(nginx_dir, [s.port for s in servers], listen)
        log = nginx_dir / "nginx.log"
        proxy = spawn([NGINX, "-p", str(nginx_dir), "-c", str(config)], {}, log)
        try:
            base = f"http://127.0.0.1:{listen}"
            wait_ready(f"{base}/healthz", proxy, log)
            day = bookable_day(base)
            tokens = [new_token() for _ in range(30)]
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(
                            "/en/register",
                            data=lead_form(t, day),
                            # a client cannot pass itself off as someone else
                            headers={"X-Forwarded-For": "203.0.113.7"},
                        )
                        for t in tokens
                    )
                )
        finally:
            stop(proxy)
    finally:
        for server in servers:
            stop(server.process)
    assert [a.status_code for a in answers] == [303] * len(tokens)
    stored = await rows(postgres, "SELECT token_id, ip FROM leads")
    assert sorted(r["token_id"] for r in stored) == sorted(t.split(".", 1)[0] for t in tokens)
    assert {r["ip"] for r in stored} == {"127.0.0.1"}
    served = [s.log.read_text().count("path=/en/register status=303") for s in servers]
    assert all(served), f"nginx did not spread the load: {served}"
