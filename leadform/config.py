"""Settings: read once from a mapping (the environment by default), cast, validated.

The server and every command read them the same way: the environment, over the env
file that LEADFORM_ENV_FILE (or `leadform --env-file PATH`) names, over the defaults.
Every setting is listed in SETTINGS with its default and meaning; the README table
is checked against this list by a test, so none goes undocumented.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from email_validator import EmailNotValidError, validate_email

from leadform.domain.clinic import NO_CLINIC, Clinic, parse_number, parse_per_language
from leadform.domain.clinic_calendar import (
    OPEN_EVERY_DAY,
    ClinicCalendar,
    parse_closed_dates,
    parse_country,
    parse_weekdays,
)
from leadform.domain.opt_out import OptOutLinks
from leadform.domain.origins import parse_origins
from leadform.domain.submission_limits import RateLimit, parse_rate_limits

logger = logging.getLogger("leadform.config")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_LOCALES = Path(__file__).resolve().parent / "locales"


def default_root() -> Path:
    """Where the default paths (var/leads.db, locales) point: the checkout leadform runs
    from, so `leadform serve` or `leadform staff add` started from another folder still
    find them; the current folder for an installed copy. A relative path given in the
    environment is relative to the current folder, as with any command."""
    return PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else Path.cwd()


def _setting_path(env: Mapping[str, str], name: str, root: Path | None) -> Path:
    given = env.get(name)
    if given is not None:
        return _path(Path.cwd() if root is None else root, given, name)
    return _path(default_root() if root is None else root, _DEFAULTS[name] or "", name)


@dataclass(frozen=True)
class PostgresUrl:
    """LEADFORM_DATABASE naming a PostgreSQL database (postgresql://user@host/db).
    Shown without its password, so logs and error lines never carry it."""

    url: str

    def __str__(self) -> str:
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()

    def __repr__(self) -> str:
        return f"PostgresUrl({self})"


POSTGRES_BACKUPS = (
    "is a PostgreSQL database: back it up and restore it with pg_dump and pg_restore "
    "as docs/operations.md describes (Backups on PostgreSQL)"
)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/")
POSTGRES_SCHEMES = ("postgresql", "postgres")


def _database(env: Mapping[str, str], root: Path | None) -> Path | PostgresUrl:
    """A file path (SQLite) or a postgresql:// URL; any other scheme is a mistake,
    never a file named after it."""
    given = env.get("LEADFORM_DATABASE") or ""
    scheme = _SCHEME.match(given)
    if scheme is None:
        return _setting_path(env, "LEADFORM_DATABASE", root)
    if scheme.group(1).lower() not in POSTGRES_SCHEMES:
        raise SettingsError(
            "LEADFORM_DATABASE",
            f"unknown scheme {scheme.group(1)}:; give a file path (SQLite) or a "
            "postgresql://user@host:5432/database URL",
        )
    parts = urlsplit(given)
    if not given.startswith(f"{scheme.group(1)}://") or not parts.path.strip("/"):
        raise SettingsError(
            "LEADFORM_DATABASE", "must look like postgresql://user@host:5432/database"
        )
    return PostgresUrl(given)


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
    Setting(
        "LEADFORM_ENV_FILE",
        "",
        "a file of `NAME=value` lines (such as `/etc/leadform/leadform.env`) read by the "
        "service and every command; the environment's own values win. "
        "`leadform --env-file PATH` sets it",
    ),
    Setting("LEADFORM_HOST", "127.0.0.1", "bind address"),
    Setting("LEADFORM_PORT", "8000", "port"),
    Setting(
        "LEADFORM_DATABASE",
        "var/leads.db",
        "SQLite file (its folder is created), or a PostgreSQL URL "
        "`postgresql://user@host:5432/database` (several instances share it)",
    ),
    Setting(
        "LEADFORM_SECRET_KEY",
        None,
        "signs form tokens and sessions; at least 32 characters (`leadform secret` prints "
        "a new one). When unset, `leadform serve` generates one into `secret_key` beside "
        "the database (mode 0600) with a warning; required with PostgreSQL. Give every "
        "instance the same key.",
    ),
    Setting(
        "LEADFORM_TIMEZONE",
        "Asia/Hong_Kong",
        'the clinic\'s calendar for "today", and the zone of every time shown',
    ),
    Setting(
        "LEADFORM_CLINIC_NAME",
        "",
        "the clinic's name in page titles, the header and lead emails; per language as "
        "`Glow Skin Clinic|zh-Hant-HK=光采皮膚診所|zh-Hans-CN=光采皮肤诊所` (a language not "
        'listed gets the first); empty: "Clinic registration"',
    ),
    Setting(
        "LEADFORM_CLINIC_PHONE",
        "",
        "the clinic's phone number (Hong Kong's need no +852), a `tel:` link on the thank-you page",
    ),
    Setting(
        "LEADFORM_CLINIC_WHATSAPP",
        "",
        "the clinic's WhatsApp number, a `https://wa.me/` link on the thank-you page",
    ),
    Setting(
        "LEADFORM_CLINIC_ADDRESS",
        "",
        "the clinic's address on the thank-you page; per language like LEADFORM_CLINIC_NAME",
    ),
    Setting(
        "LEADFORM_CLINIC_HOURS",
        "",
        "the clinic's opening hours on the thank-you page (`Mon–Sat 10:00–20:00`); "
        "per language like LEADFORM_CLINIC_NAME",
    ),
    Setting("LEADFORM_MIN_DAYS_AHEAD", "1", "earliest bookable day = today + this"),
    Setting("LEADFORM_MAX_DAYS_AHEAD", "90", "latest bookable day = today + this"),
    Setting(
        "LEADFORM_CLOSED_WEEKDAYS",
        "",
        "weekdays the clinic is closed, e.g. `sun` or `sat,sun` (mon tue wed thu fri sat sun); "
        "empty: open every weekday",
    ),
    Setting(
        "LEADFORM_PUBLIC_HOLIDAYS",
        "HK",
        "the country whose public holidays close the clinic (a code the `holidays` package "
        "knows, with lunar holidays and substitute days); `none`: open on holidays",
    ),
    Setting(
        "LEADFORM_CLOSED_DATES",
        "",
        "extra closures: dates and ranges (`2026-12-24,2027-01-02..2027-01-04`), or the path of "
        "a file (containing a `/`, e.g. `./closures.txt`) with one date or range per line, "
        "then an optional reason shown to visitors (`2026-12-24 Staff training`; `#` comments)",
    ),
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
        "LEADFORM_MIN_TRANSLATED",
        "95",
        "percent of the strings a catalog must translate to be offered: below it a "
        "language is a draft, not negotiated nor listed, previewable at its URL with a notice",
    ),
    Setting(
        "LEADFORM_PSEUDO_LOCALE",
        "0",
        "1: also serve the pseudo-locale en-XA (`/en-xa/register`, built from "
        "`messages.pot`) to spot untranslated text and tight layouts; for development",
    ),
    Setting(
        "LEADFORM_LOG_FORMAT",
        "text",
        "`text`: one line per event (time, level, [pid], logger: message); `json`: one JSON "
        "object per line (time, level, pid, logger, message) for log shippers",
    ),
    Setting("LEADFORM_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR"),
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
    Setting(
        "LEADFORM_WEBHOOK_URL",
        "",
        "where each new lead is POSTed as signed JSON; several http(s) URLs separated by spaces; "
        "empty: no webhook (see docs/notifications.md)",
    ),
    Setting(
        "LEADFORM_WEBHOOK_SECRET",
        "",
        "signs webhook requests (`Leadform-Signature`); at least 16 characters; "
        "required with `LEADFORM_WEBHOOK_URL`",
    ),
    Setting(
        "LEADFORM_SMTP_URL",
        "",
        "mail server for lead emails: `smtp://user:pass@host:587` (STARTTLS), "
        "`smtps://user:pass@host:465` (TLS), `smtp://host:25` (plain relay, no password); "
        "empty: no email",
    ),
    Setting(
        "LEADFORM_NOTIFY_FROM",
        "",
        "sender of lead emails, `leads@clinic.example` or `Leadform <leads@clinic.example>`",
    ),
    Setting("LEADFORM_NOTIFY_TO", "", "recipients of lead emails, separated by commas"),
    Setting(
        "LEADFORM_STAFF_LOCALE",
        "zh-Hant-HK",
        "language of lead emails to the clinic's staff (a catalog's BCP 47 tag)",
    ),
    Setting(
        "LEADFORM_NOTIFY_GIVE_UP_HOURS",
        "24",
        "hours a notification is retried before it is marked failed",
    ),
    Setting(
        "LEADFORM_PUBLIC_URL",
        "",
        "the address visitors reach the service at (`https://trial.clinic.example`), for "
        "links that leave it: the marketing opt-out link in exports and webhooks; empty: "
        "those links are paths (`/en/opt-out/…`)",
    ),
    Setting(
        "LEADFORM_RETENTION_DAYS",
        "730",
        "days a lead is kept, counted in the clinic's days; older leads are deleted daily "
        "with their notifications (see docs/privacy.md); `0` keeps everything (start-up warns)",
    ),
    Setting(
        "LEADFORM_SECURE_COOKIES",
        "0",
        "`1` marks the staff sign-in cookies Secure (sent over HTTPS only): the production "
        "setting behind TLS. `0` lets them work over plain http://127.0.0.1 in development.",
    ),
)

MAX_DAYS_AHEAD = 3650
MAX_FILL_SECONDS = 3600.0
MAX_BUSY_TIMEOUT = 600.0

_DEFAULTS = {s.variable: s.default for s in SETTINGS}


@dataclass(frozen=True)
class SmtpServer:
    """Where lead emails go, from LEADFORM_SMTP_URL."""

    host: str
    port: int
    security: str  # "tls" (implicit, smtps://), "starttls" or "none" (plain relay)
    username: str = ""
    password: str = ""

    def __repr__(self) -> str:  # keeps the password out of tracebacks and logs
        return f"SmtpServer({self.security}://{self.host}:{self.port})"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    database: Path | PostgresUrl
    secret_key: str
    timezone: ZoneInfo
    min_days_ahead: int
    max_days_ahead: int
    min_fill_seconds: float
    default_locale: str
    terms_url: str
    privacy_url: str
    locales_dir: Path
    pseudo_locale: bool
    busy_timeout: float
    min_translated: float = 95.0
    log_format: str = "text"
    log_level: str = "INFO"
    calendar: ClinicCalendar = OPEN_EVERY_DAY
    clinic: Clinic = NO_CLINIC
    embed_origins: tuple[str, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    examples: bool = False
    secure_cookies: bool = False
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = ""
    smtp: SmtpServer | None = None
    notify_from: str = ""
    notify_to: tuple[str, ...] = ()
    staff_locale: str = "zh-Hant-HK"
    notify_give_up_hours: float = 24.0
    retention_days: int = 730
    public_url: str = ""

    @property
    def opt_out_links(self) -> OptOutLinks:
        """Signs the marketing opt-out link of each lead (exports, webhooks, the page)."""
        return OptOutLinks(self.secret_key, self.public_url)


ENV_FILE = "LEADFORM_ENV_FILE"
MIN_SECRET_KEY = 32
SECRET_FILE = "secret_key"  # noqa: S105 - the name of the key's file, not a key


@dataclass(frozen=True)
class Configuration:
    """The raw values in force and where each came from ("environment", "env file
    PATH"); a setting in neither has its default."""

    values: Mapping[str, str]
    sources: Mapping[str, str]

    def source(self, name: str) -> str:
        return self.sources.get(name, "default")


def read_configuration(environ: Mapping[str, str] | None = None) -> Configuration:
    """The environment over the env file it names (LEADFORM_ENV_FILE)."""
    env = os.environ if environ is None else environ
    known = {s.variable for s in SETTINGS}
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    env_file = env.get(ENV_FILE, "")
    if env_file:
        path = Path(env_file)
        if not path.is_file():
            raise SettingsError(ENV_FILE, f"no such file: {path}")
        try:
            found = dotenv_values(path, interpolate=False)
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(ENV_FILE, f"cannot read {path}: {exc}") from None
        for name, value in found.items():
            if name not in known or name == ENV_FILE:
                raise SettingsError(ENV_FILE, f"{path}: {name} is not a leadform setting")
            values[name], sources[name] = value or "", f"env file {path}"
    for name in known:
        if name in env:
            values[name], sources[name] = env[name], "environment"
    return Configuration(values, sources)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    root: Path | None = None,
    create_secret: bool = False,
) -> Settings:
    """Build Settings from `environ` (default: os.environ) and its env file; relative
    paths resolve against `root` when given, else as `default_root` says. Without
    LEADFORM_SECRET_KEY the key is read from `secret_key` beside the database, and
    created there only when `create_secret` (the service; commands never create one)."""
    env = read_configuration(environ).values

    def raw(name: str) -> str:
        value = env.get(name)
        return value if value is not None else (_DEFAULTS[name] or "")

    database = _database(env, root)
    min_days = _cast(raw, "LEADFORM_MIN_DAYS_AHEAD", _days_ahead)
    max_days = _cast(raw, "LEADFORM_MAX_DAYS_AHEAD", _days_ahead)
    if max_days < min_days:
        raise SettingsError(
            "LEADFORM_MAX_DAYS_AHEAD", f"must not be less than LEADFORM_MIN_DAYS_AHEAD ({min_days})"
        )
    settings = Settings(
        host=_cast(raw, "LEADFORM_HOST", _host),
        port=_cast(raw, "LEADFORM_PORT", _port),
        database=database,
        secret_key=_cast(raw, "LEADFORM_SECRET_KEY", _secret_key),
        timezone=_cast(raw, "LEADFORM_TIMEZONE", _zone),
        min_days_ahead=min_days,
        max_days_ahead=max_days,
        clinic=Clinic(
            name=_cast(raw, "LEADFORM_CLINIC_NAME", parse_per_language),
            phone=_cast(raw, "LEADFORM_CLINIC_PHONE", parse_number),
            whatsapp=_cast(raw, "LEADFORM_CLINIC_WHATSAPP", parse_number),
            address=_cast(raw, "LEADFORM_CLINIC_ADDRESS", parse_per_language),
            hours=_cast(raw, "LEADFORM_CLINIC_HOURS", parse_per_language),
        ),
        calendar=ClinicCalendar(
            closed_weekdays=_cast(raw, "LEADFORM_CLOSED_WEEKDAYS", parse_weekdays),
            holidays_country=_cast(raw, "LEADFORM_PUBLIC_HOLIDAYS", parse_country),
            closed_dates=_cast(raw, "LEADFORM_CLOSED_DATES", parse_closed_dates),
        ),
        min_fill_seconds=_cast(raw, "LEADFORM_MIN_FILL_SECONDS", _bounded(0, MAX_FILL_SECONDS)),
        default_locale=_cast(raw, "LEADFORM_DEFAULT_LOCALE", _tag),
        terms_url=_cast(raw, "LEADFORM_TERMS_URL", _url_template),
        privacy_url=_cast(raw, "LEADFORM_PRIVACY_URL", _url_template),
        locales_dir=load_locales_dir(env, root=root),
        pseudo_locale=_cast(raw, "LEADFORM_PSEUDO_LOCALE", _flag),
        min_translated=_cast(raw, "LEADFORM_MIN_TRANSLATED", _bounded(0, 100)),
        log_format=_cast(raw, "LEADFORM_LOG_FORMAT", _one_of("text", "json")),
        log_level=_cast(raw, "LEADFORM_LOG_LEVEL", _one_of("DEBUG", "INFO", "WARNING", "ERROR")),
        busy_timeout=_cast(raw, "LEADFORM_BUSY_TIMEOUT", _bounded(0, MAX_BUSY_TIMEOUT)),
        embed_origins=_cast(raw, "LEADFORM_EMBED_ORIGINS", parse_origins),
        rate_limits=_cast(raw, "LEADFORM_RATE_LIMIT", parse_rate_limits),
        trusted_proxies=_cast(raw, "LEADFORM_TRUSTED_PROXIES", _networks),
        examples=_cast(raw, "LEADFORM_EXAMPLES", _flag),
        secure_cookies=_cast(raw, "LEADFORM_SECURE_COOKIES", _flag),
        retention_days=_cast(raw, "LEADFORM_RETENTION_DAYS", _retention_days),
        public_url=_cast(raw, "LEADFORM_PUBLIC_URL", _public_url),
        **_notification_settings(raw),
    )
    if settings.secret_key:
        return settings
    if isinstance(database, PostgresUrl):
        raise SettingsError(
            "LEADFORM_SECRET_KEY",
            "must be set when LEADFORM_DATABASE is a PostgreSQL URL (every instance "
            "shares the database, so they must share the key too)",
        )
    if not create_secret:
        key_file = database.parent / SECRET_FILE
        return replace(settings, secret_key=_read_secret(key_file) if key_file.is_file() else "")
    # Only once every value checked out: a typo elsewhere must not leave a key behind.
    try:
        key = load_or_create_secret(database.parent)
    except OSError as exc:
        raise SettingsError(
            "LEADFORM_DATABASE",
            f"cannot create {database.parent} for the database and its secret_key: {exc.strerror}",
        ) from None
    return replace(settings, secret_key=key)


def database_path(
    environ: Mapping[str, str] | None = None, *, root: Path | None = None
) -> Path | PostgresUrl:
    """LEADFORM_DATABASE alone, for commands that need no other setting (backup, restore):
    the same database `leadform serve` would open."""
    env = read_configuration(environ).values
    return _database(env, root)


def load_locales_dir(environ: Mapping[str, str] | None = None, *, root: Path | None = None) -> Path:
    """LEADFORM_LOCALES_DIR alone, for commands that need no other setting. Unset, it
    is the checkout's catalogs, or for an installed leadform the ones it carries."""
    env = read_configuration(environ).values
    if not env.get("LEADFORM_LOCALES_DIR"):
        if root is None and not (PROJECT_ROOT / "pyproject.toml").is_file():
            return PACKAGE_LOCALES
        env = {}  # empty means the default, as before
    return _setting_path(env, "LEADFORM_LOCALES_DIR", root)


def _notification_settings(raw: Callable[[str], str]) -> dict[str, Any]:
    """The webhook and email settings, checked together: each channel needs all its parts."""
    urls = _cast(raw, "LEADFORM_WEBHOOK_URL", _webhook_urls)
    secret = raw("LEADFORM_WEBHOOK_SECRET")
    if urls and len(secret) < MIN_WEBHOOK_SECRET:
        problem = f"must be at least {MIN_WEBHOOK_SECRET} characters" if secret else "must be set"
        raise SettingsError("LEADFORM_WEBHOOK_SECRET", f"{problem} when LEADFORM_WEBHOOK_URL is")
    smtp = _cast(raw, "LEADFORM_SMTP_URL", _smtp_url)
    sender = _cast(raw, "LEADFORM_NOTIFY_FROM", _optional_mailbox)
    recipients = _cast(raw, "LEADFORM_NOTIFY_TO", _address_list)
    if smtp is not None:
        for name, value in (("LEADFORM_NOTIFY_FROM", sender), ("LEADFORM_NOTIFY_TO", recipients)):
            if not value:
                raise SettingsError(name, "must be set when LEADFORM_SMTP_URL is")
    elif recipients:
        raise SettingsError("LEADFORM_SMTP_URL", "must be set when LEADFORM_NOTIFY_TO is")
    return {
        "webhook_urls": urls,
        "webhook_secret": secret,
        "smtp": smtp,
        "notify_from": sender,
        "notify_to": recipients,
        "staff_locale": _cast(raw, "LEADFORM_STAFF_LOCALE", _tag),
        "notify_give_up_hours": _cast(raw, "LEADFORM_NOTIFY_GIVE_UP_HOURS", _positive_float),
    }


def load_or_create_secret(folder: Path) -> str:
    """Read `folder/secret_key`, creating it (mode 0600) on first use."""
    path = folder / SECRET_FILE
    if path.exists():
        return _read_secret(path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # the database's folder too
    key = new_secret_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    logger.warning(
        "LEADFORM_SECRET_KEY is not set: generated one into %s; set the variable in production",
        path,
    )
    return key


def _read_secret(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError("LEADFORM_SECRET_KEY", f"cannot read {path}: {exc}") from None
    return _secret_key(key)


def new_secret_key() -> str:
    """A key for LEADFORM_SECRET_KEY: 64 URL-safe characters (384 random bits)."""
    return secrets.token_urlsafe(48)


def _secret_key(value: str) -> str:
    if value and len(value) < MIN_SECRET_KEY:
        raise ValueError(
            f"must be at least {MIN_SECRET_KEY} characters (got {len(value)}); "
            "`leadform secret` prints a new one"
        )
    return value


# Values that may carry a password are never echoed in an error.
_SECRET_BEARING = frozenset(
    {"LEADFORM_WEBHOOK_URL", "LEADFORM_SMTP_URL", "LEADFORM_SECRET_KEY", "LEADFORM_WEBHOOK_SECRET"}
)


def _cast(raw: Callable[[str], str], name: str, cast: Callable[[str], Any]) -> Any:
    value = raw(name)
    try:
        return cast(value)
    except ValueError as exc:
        shown = "" if name in _SECRET_BEARING or repr(value) in str(exc) else f" (got {value!r})"
        raise SettingsError(name, f"{exc}{shown}") from None


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
    if not 0 <= number < math.inf:  # also refuses NaN
        raise ValueError("must be a finite number of 0 or more")
    return number


def _bounded(low: float, high: float) -> Callable[[str], float]:
    def cast(value: str) -> float:
        number = _non_negative_float(value)
        if not low <= number <= high:
            raise ValueError(f"must be from {low:g} to {high:g}")
        return number

    return cast


def _public_url(value: str) -> str:
    if not value:
        return ""
    parts = _split_url(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address such as https://clinic.example")
    if parts.query or parts.fragment or parts.username:
        raise ValueError("must be a plain address, without query, fragment or user")
    return value.rstrip("/")


MAX_RETENTION_DAYS = 36500


def _retention_days(value: str) -> int:
    days = _non_negative_int(value)
    if days > MAX_RETENTION_DAYS:
        raise ValueError(f"must be at most {MAX_RETENTION_DAYS} (a hundred years); 0 keeps all")
    return days


def _days_ahead(value: str) -> int:
    days = _non_negative_int(value)
    if days > MAX_DAYS_AHEAD:
        raise ValueError(f"must be at most {MAX_DAYS_AHEAD} (ten years)")
    return days


_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _host(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.match(value):
            raise ValueError("must be an IP address or a host name such as 127.0.0.1") from None
    return value


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return value == "1"


def _one_of(*choices: str) -> Callable[[str], str]:
    def cast(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return cast


def _positive_float(value: str) -> float:
    number = _non_negative_float(value)
    if number == 0:
        raise ValueError("must be a number greater than 0")
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


MIN_WEBHOOK_SECRET = 16
SMTP_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


def _webhook_urls(value: str) -> tuple[str, ...]:
    urls = tuple(dict.fromkeys(value.split()))  # several, in order, each once
    for url in urls:
        parts = _split_url(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{_redacted(parts)} is not an http:// or https:// URL with a host")
        if parts.fragment:
            raise ValueError(f"{_redacted(parts)} must not have a #fragment")
    return urls


def _split_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("is not a valid URL") from None
    return parts


def masked(name: str, value: str) -> str:
    """`value` fit to print: secrets starred out, passwords cut from URLs."""
    if not value:
        return value
    if name in ("LEADFORM_SECRET_KEY", "LEADFORM_WEBHOOK_SECRET"):
        return f"*** ({len(value)} characters)"
    if name in _SECRET_BEARING:
        return " ".join(_redacted(_split_url_or_empty(part)) for part in value.split())
    return value


def _split_url_or_empty(value: str) -> SplitResult:
    try:
        return _split_url(value)
    except ValueError:
        return urlsplit("")


def _redacted(parts: SplitResult) -> str:
    """The URL without its password, for an error message."""
    if parts.password is None:
        return parts.geturl()
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _smtp_url(value: str) -> SmtpServer | None:
    if not value:
        return None
    parts = _split_url(value)
    if parts.scheme not in SMTP_DEFAULT_PORTS or not parts.hostname:
        raise ValueError("must be smtp://host[:port] or smtps://host[:port], with user:pass@")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must not have a path, query or fragment")
    port = parts.port or SMTP_DEFAULT_PORTS[parts.scheme]
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    security = "tls" if parts.scheme == "smtps" else "starttls"
    if parts.scheme == "smtp" and port != SMTP_DEFAULT_PORTS["smtp"] and not username:
        security = "none"  # a relay (port 25, or a local test server): no password to protect
    return SmtpServer(parts.hostname, port, security, username, password)


def _optional_mailbox(value: str) -> str:
    """An address, alone or with a display name; returned normalised ("Name <a@b>")."""
    if not value:
        return ""
    name, address = parseaddr(value)
    if not address:
        raise ValueError("must be an email address, or Name <address>")
    normalised = _email_address(address)
    return str(Address(display_name=name, addr_spec=normalised)) if name else normalised


def _address_list(value: str) -> tuple[str, ...]:
    addresses = [part.strip() for part in value.split(",") if part.strip()]
    if value.strip() and not addresses:
        raise ValueError("must be email addresses separated by commas")
    return tuple(dict.fromkeys(_email_address(address) for address in addresses))


def _email_address(address: str) -> str:
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(f"{address!r} is not an email address") from None
    return str(checked.normalized)
