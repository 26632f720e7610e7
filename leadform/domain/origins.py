"""Web origins (RFC 6454) as settings and the embed page name them: parsed, normalised."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_HOST_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")


def parse_origin(value: str) -> str:
    """`https://Blog.Example.com:443/` -> `https://blog.example.com` (scheme, host, port)."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an origin like https://blog.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r} is not an origin: it has more than scheme, host and port")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = _host(parts.hostname, value)
    suffix = f":{port}" if port is not None and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


def _host(name: str, value: str) -> str:
    """A DNS name (IDNs in their xn-- form), an IPv4 address or a bracketed IPv6 one:
    nothing that could break out of a header or an HTML attribute."""
    if ":" in name:
        try:
            return f"[{ipaddress.IPv6Address(name)}]"
        except ValueError:
            raise ValueError(f"{value!r} has an invalid IPv6 address") from None
    if not _HOST_NAME.match(name):
        raise ValueError(f"{value!r} has an invalid host name (use the xn-- form for IDNs)")
    return name


def parse_origins(value: str) -> tuple[str, ...]:
    """Space-separated origins (commas also accepted), each normalised, no repeats."""
    found = [parse_origin(item) for item in re.split(r"[\s,]+", value) if item]
    return tuple(dict.fromkeys(found))
