"""Settings: read once from a mapping (the environment by default), cast, validated.

Every setting is listed in SETTINGS with its default and meaning; the README table
is checked against this list by a test, so none goes undocumented.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadform.framing import parse_origins
from leadform.ratelimit import RateLimit, parse_rate_limits

logger = logging.getLogger("leadform.config")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable holds a value leadform cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Setting:
    variable: str
    default: str | None
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("LEADFORM_HOST", "127.0.0.1", "bind address"),
    Setting("LEADFORM_PORT", "8000", "port"),
    Setting("LEADFORM_DATABASE", "var/leads.db", "SQLite file (its folder is created)"),
    Setting(
        "LEADFORM_SECRET_KEY",
        None,
        "signs form tokens; generated once into `secret_key` beside the database "
        "(mode 0600) with a warning when unset. Give every instance the same key.",
    ),
    Setting("LEADFORM_TIMEZONE", "Asia/Hong_Kong", 'the clinic\'s calendar for "today"'),
    Setting("LEADFORM_MIN_DAYS_AHEAD", "1", "earliest bookable day = today + this"),
    Setting("LEADFORM_MAX_DAYS_AHEAD", "90", "latest bookable day = today + this"),
    Setting(
        "LEADFORM_MIN_FILL_SECONDS",
        "2",
        "a form posted back faster than this is treated as a bot",
    ),
    Setting("LEADFORM_DEFAULT_LOCALE", "en", "fallback language (a catalog's BCP 47 tag)"),
    Setting(
        "LEADFORM_TERMS_URL",
        "",
        "the clinic's Registration Terms page (may contain `{locale}`); empty: the built-in page",
    ),
    Setting(
        "LEADFORM_PRIVACY_URL",
        "",
        "the clinic's Privacy Policy page (may contain `{locale}`); empty: the built-in page",
    ),
    Setting("LEADFORM_LOCALES_DIR", "locales", "folder of gettext catalogs"),
    Setting(
        "LEADFORM_BUSY_TIMEOUT",
        "5",
        "seconds a write waits for a database locked by another process before a 503",
    ),
    Setting(
        "LEADFORM_EMBED_ORIGINS",
        "",
        "space-separated origins (`https://blog.example.com`) allowed to frame the form "
        "and call the JSON API from their pages; empty: only the service itself",
    ),
    Setting(
        "LEADFORM_RATE_LIMIT",
        "5/minute;30/hour",
        "submissions allowed per client address and per phone number (units: second, "
        "minute, hour, day); `0` turns limiting off (load tests)",
    ),
    Setting(
        "LEADFORM_TRUSTED_PROXIES",
        "",
        "space-separated addresses or networks (`10.0.0.0/8`) of reverse proxies whose "
        "`X-Forwarded-For`/`X-Forwarded-Proto` are believed; empty: the socket's address",
    ),
    Setting(
        "LEADFORM_EXAMPLES",
        "0",
        "`1` serves the example landing page with three embedded forms at `/examples/landing`",
    ),
)

_DEFAULTS = {s.variable: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    database: Path
    secret_key: str
    timezone: ZoneInfo
    min_days_ahead: int
    max_days_ahead: int
    min_fill_seconds: float
    default_locale: str
    terms_url: str
    privacy_url: str
    locales_dir: Path
    busy_timeout: float
    embed_origins: tuple[str, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    examples: bool = False


def load_settings(
    environ: Mapping[str, str] | None = None, *, root: Path | None = None
) -> Settings:
    """Build Settings from `environ` (default: os.environ); relative paths resolve
    against `root` (default: the current directory)."""
    env = os.environ if environ is None else environ
    base = Path.cwd() if root is None else root

    def raw(name: str) -> str:
        value = env.get(name)
        return value if value is not None else (_DEFAULTS[name] or "")

    database = _path(base, raw("LEADFORM_DATABASE"), "LEADFORM_DATABASE")
    min_days = _cast(raw, "LEADFORM_MIN_DAYS_AHEAD", _non_negative_int)
    max_days = _cast(raw, "LEADFORM_MAX_DAYS_AHEAD", _non_negative_int)
    if max_days < min_days:
        raise SettingsError(
            "LEADFORM_MAX_DAYS_AHEAD", f"must not be less than LEADFORM_MIN_DAYS_AHEAD ({min_days})"
        )
    return Settings(
        host=raw("LEADFORM_HOST") or "127.0.0.1",
        port=_cast(raw, "LEADFORM_PORT", _port),
        database=database,
        secret_key=env.get("LEADFORM_SECRET_KEY") or load_or_create_secret(database.parent),
        timezone=_cast(raw, "LEADFORM_TIMEZONE", _zone),
        min_days_ahead=min_days,
        max_days_ahead=max_days,
        min_fill_seconds=_cast(raw, "LEADFORM_MIN_FILL_SECONDS", _non_negative_float),
        default_locale=_cast(raw, "LEADFORM_DEFAULT_LOCALE", _tag),
        terms_url=_cast(raw, "LEADFORM_TERMS_URL", _url_template),
        privacy_url=_cast(raw, "LEADFORM_PRIVACY_URL", _url_template),
        locales_dir=_path(base, raw("LEADFORM_LOCALES_DIR") or "locales", "LEADFORM_LOCALES_DIR"),
        busy_timeout=_cast(raw, "LEADFORM_BUSY_TIMEOUT", _non_negative_float),
        embed_origins=_cast(raw, "LEADFORM_EMBED_ORIGINS", parse_origins),
        rate_limits=_cast(raw, "LEADFORM_RATE_LIMIT", parse_rate_limits),
        trusted_proxies=_cast(raw, "LEADFORM_TRUSTED_PROXIES", _networks),
        examples=_cast(raw, "LEADFORM_EXAMPLES", _switch),
    )


def load_or_create_secret(folder: Path) -> str:
    """Read `folder/secret_key`, creating it (mode 0600) on first use."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    logger.warning(
        "LEADFORM_SECRET_KEY is not set: generated one into %s; set the variable in production",
        path,
    )
    return key


def _cast(raw: Callable[[str], str], name: str, cast: Callable[[str], Any]) -> Any:
    value = raw(name)
    try:
        return cast(value)
    except ValueError as exc:
        raise SettingsError(name, f"{exc} (got {value!r})") from None


def _path(base: Path, value: str, name: str) -> Path:
    if not value.strip():
        raise SettingsError(name, "must not be empty")
    path = Path(value)
    return path if path.is_absolute() else base / path


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("must be a whole number") from None


def _port(value: str) -> int:
    port = _whole_number(value)
    if not 0 < port < 65536:
        raise ValueError("must be a port number from 1 to 65535")
    return port


def _non_negative_int(value: str) -> int:
    number = _whole_number(value)
    if number < 0:
        raise ValueError("must be a whole number of 0 or more")
    return number


def _non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("must be a number") from None
    if not number >= 0:  # also refuses NaN
        raise ValueError("must be a number of 0 or more")
    return number


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as Asia/Hong_Kong") from None


def _tag(value: str) -> str:
    if not value or not all(part.isalnum() for part in value.replace("_", "-").split("-")):
        raise ValueError("must be a language tag such as en or zh-Hant-HK")
    return value


def _url_template(value: str) -> str:
    if not value:
        return ""
    if not value.startswith(("https://", "http://", "/")):
        raise ValueError("must be an http(s) URL or a path starting with /")
    try:
        value.format(locale="en")
    except (KeyError, IndexError, ValueError):
        raise ValueError("may contain no placeholder but {locale}") from None
    return value


def _networks(value: str) -> tuple[str, ...]:
    """Addresses or CIDR networks, space- or comma-separated, each checked."""
    found = []
    for item in filter(None, re.split(r"[\s,]+", value)):
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return tuple(found)


def _switch(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ValueError("must be 1 or 0")
