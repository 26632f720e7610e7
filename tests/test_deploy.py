"""deploy/: the systemd unit passes `systemd-analyze verify`, and the nginx
configuration, run by a real nginx with a self-signed certificate in front of a real
leadform, passes on TLS so that links, the client address and secure cookies work."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from tests.conftest import ROOT, csrf_token
from tests.factories import PASSWORD, add_staff
from tests.servers import Server, free_port, running_server, spawn, stop, tail

pytestmark = pytest.mark.slow

DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_unit_verifies_clean(tmp_path: Path) -> None:
    unit = (DEPLOY / "leadform.service").read_text()
    # verify checks that ExecStart's program exists: point it at this interpreter's leadform.
    unit = unit.replace(
        "/opt/leadform/venv/bin/leadform", str(Path(sys.executable).parent / "leadform")
    )
    (tmp_path / "leadform.service").write_text(unit)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "leadform.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    for setting in ("ProtectSystem=strict", "ReadWritePaths=/var/lib/leadform", "User=leadform"):
        assert setting in unit


def nginx_config(folder: Path, upstream: int, https: int, http: int, ca: trustme.CA) -> Path:
    """deploy/nginx.conf with this test's ports and certificate, in a minimal nginx.conf."""
    cert = ca.issue_cert("localhost", "127.0.0.1")
    cert.private_key_pem.write_to_path(str(folder / "privkey.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "fullchain.pem"))
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = re.sub(r"\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("/etc/ssl/leadform/", f"{folder}/")
    site = site.replace("leads.clinic.example", "localhost")
    (folder / "site.conf").write_text(site)
    main = f"""
daemon off;
master_process on;
worker_processes 1;
user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[Server, str, str, trustme.CA]]:
    """A leadform behind the deploy/ nginx: (server, https URL, http URL, CA)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (.ci/run installs Debian's)")
    ca = trustme.CA()
    https, http = free_port(), free_port()
    settings = {"LEADFORM_TRUSTED_PROXIES": "127.0.0.1", "LEADFORM_SECURE_COOKIES": "1"}
    with running_server(tmp_path, **settings) as server:
        config = nginx_config(tmp_path, server.port, https, http, ca)
        checked = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        process = spawn([nginx, "-c", str(config)], {}, tmp_path / "nginx.log")
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{http}/", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(tail(tmp_path / "error.log")) from None
                    time.sleep(0.1)
            yield server, f"https://localhost:{https}", f"http://127.0.0.1:{http}", ca
        finally:
            stop(process)


def test_plain_http_is_sent_to_https(proxied: tuple[Server, str, str, trustme.CA]) -> None:
    _, _, http, _ = proxied
    response = httpx.get(f"{http}/en/register")
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://")


def test_pages_through_nginx_link_to_https(proxied: tuple[Server, str, str, trustme.CA]) -> None:
    _, https, _, ca = proxied
    with httpx.Client(verify=_context(ca)) as client:
        page = client.get(f"{https}/en/register")
    assert page.status_code == 200
    links = re.findall(r'hreflang="[^"]+" href="([^"]+)"', page.text)
    assert links and all(link.startswith(f"{https}/") for link in links)


def test_secure_cookie_sign_in_works_through_nginx(
    proxied: tuple[Server, str, str, trustme.CA],
) -> None:
    server, https, _, ca = proxied
    add_staff(server.database)
    with httpx.Client(base_url=https, verify=_context(ca)) as client:
        page = client.get("/admin/login")
        assert "X-Forwarded-Proto" not in page.text
        form = {"email": "sales@example.com", "password": PASSWORD, "csrf": csrf_token(page.text)}
        signed_in = client.post("/admin/login", data=form)
        assert signed_in.status_code == 303, signed_in.text
        assert "Secure" in signed_in.headers["set-cookie"]
        assert client.get("/admin").status_code == 200


def test_metrics_are_not_served_through_nginx(
    proxied: tuple[Server, str, str, trustme.CA],
) -> None:
    _, https, _, ca = proxied
    assert httpx.get(f"{https}/metrics", verify=_context(ca)).status_code == 404


def _context(ca: trustme.CA) -> ssl.SSLContext:
    """Trusts the test's self-signed CA, as a browser with it installed would."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context
