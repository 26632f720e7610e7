from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from leadform.config import SETTINGS, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_match_the_documented_table(tmp_path: Path) -> None:
    settings = load_settings({"LEADFORM_SECRET_KEY": "k" * 32}, root=tmp_path)
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.database == tmp_path / "var" / "leads.db"
    assert str(settings.timezone) == "Asia/Hong_Kong"
    assert (settings.min_days_ahead, settings.max_days_ahead) == (1, 90)
    assert settings.min_fill_seconds == 2 and settings.default_locale == "en"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEADFORM_PORT", "eighty"),
        ("LEADFORM_PORT", "70000"),
        ("LEADFORM_TIMEZONE", "Mars/Olympus"),
        ("LEADFORM_MIN_DAYS_AHEAD", "-1"),
        ("LEADFORM_MAX_DAYS_AHEAD", "0"),
        ("LEADFORM_MIN_FILL_SECONDS", "nan"),
        ("LEADFORM_DEFAULT_LOCALE", "en us"),
        ("LEADFORM_TERMS_URL", "javascript:alert(1)"),
        ("LEADFORM_PRIVACY_URL", "https://x/{lang}"),
        ("LEADFORM_DATABASE", " "),
        ("LEADFORM_MAX_DAYS_AHEAD", "99999999"),
        ("LEADFORM_MIN_FILL_SECONDS", "inf"),
        ("LEADFORM_MIN_FILL_SECONDS", "7200"),
        ("LEADFORM_BUSY_TIMEOUT", "inf"),
        ("LEADFORM_HOST", "not a host"),
        ("LEADFORM_EMBED_ORIGINS", "blog.example.com"),
        ("LEADFORM_EMBED_ORIGINS", "https://blog.example.com/articles"),
        ("LEADFORM_RATE_LIMIT", "5/fortnight"),
        ("LEADFORM_RATE_LIMIT", ""),
        ("LEADFORM_TRUSTED_PROXIES", "proxy.internal"),
        ("LEADFORM_EXAMPLES", "maybe"),
    ],
)
def test_invalid_value_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"LEADFORM_SECRET_KEY": "k" * 32, variable: value}, root=tmp_path)
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")


def test_missing_secret_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    first = load_settings({}, root=tmp_path, create_secret=True)
    second = load_settings({}, root=tmp_path, create_secret=True)
    key_file = tmp_path / "var" / "secret_key"
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `?(LEADFORM_[A-Z_]+)`? \|", readme, flags=re.MULTILINE))
    assert {s.variable for s in SETTINGS} <= documented


def test_embed_spam_and_proxy_settings_are_parsed(tmp_path: Path) -> None:
    from leadform.domain.submission_limits import RateLimit

    settings = load_settings(
        {
            "LEADFORM_SECRET_KEY": "k" * 32,
            "LEADFORM_EMBED_ORIGINS": "https://Blog.Example.com https://shop.example:8443/",
            "LEADFORM_RATE_LIMIT": "10/minute",
            "LEADFORM_TRUSTED_PROXIES": "10.0.0.0/8 192.0.2.1",
            "LEADFORM_EXAMPLES": "1",
        },
        root=tmp_path,
    )
    assert settings.embed_origins == ("https://blog.example.com", "https://shop.example:8443")
    assert settings.rate_limits == (RateLimit(10, 60),)
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.1/32")
    assert settings.examples is True


def test_embed_spam_and_proxy_defaults(tmp_path: Path) -> None:
    from leadform.domain.submission_limits import RateLimit

    settings = load_settings({"LEADFORM_SECRET_KEY": "k" * 32}, root=tmp_path)
    assert settings.embed_origins == () and settings.trusted_proxies == ()
    assert settings.rate_limits == (RateLimit(5, 60), RateLimit(30, 3600))
    assert settings.examples is False


def test_invalid_value_leaves_no_secret_key_behind(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        load_settings({"LEADFORM_TIMEZONE": "Nowhere"}, root=tmp_path, create_secret=True)
    assert not (tmp_path / "var").exists()


def test_database_folder_that_cannot_be_made_names_the_database(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {"LEADFORM_DATABASE": str(blocker / "leads.db")}, root=tmp_path, create_secret=True
        )
    assert raised.value.variable == "LEADFORM_DATABASE"


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "::1", "0.0.0.0", "localhost", "leads.clinic.example"]
)
def test_host_accepts_addresses_and_names(tmp_path: Path, host: str) -> None:
    settings = load_settings(
        {"LEADFORM_SECRET_KEY": "k" * 32, "LEADFORM_HOST": host}, root=tmp_path
    )
    assert settings.host == host


def test_default_paths_are_in_the_checkout_whatever_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"LEADFORM_SECRET_KEY": "k" * 32})
    assert settings.locales_dir == ROOT / "locales"
    assert settings.database == ROOT / "var" / "leads.db"


@pytest.mark.parametrize(
    "value",
    ["mysql://root@127.0.0.1/leads", "sqlite:///var/leads.db", "postgresql:/root@127.0.0.1/leads"],
)
def test_a_database_url_leadform_cannot_honour_is_refused_not_a_file(
    value: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"LEADFORM_DATABASE": value, "LEADFORM_SECRET_KEY": "k" * 32}, root=tmp_path)
    assert raised.value.variable == "LEADFORM_DATABASE"
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_url_selects_postgresql_and_never_shows_its_password() -> None:
    from leadform.config import PostgresUrl

    url = "postgresql://clinic:s3cret@db.internal:5432/leads"
    settings = load_settings({"LEADFORM_DATABASE": url, "LEADFORM_SECRET_KEY": "k" * 32})
    assert settings.database == PostgresUrl(url)
    assert "s3cret" not in f"{settings.database} {settings.database!r}"


def test_a_postgresql_database_needs_a_shared_secret_key() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"LEADFORM_DATABASE": "postgresql://root@127.0.0.1/leads"})
    assert raised.value.variable == "LEADFORM_SECRET_KEY"
