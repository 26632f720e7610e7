"""Webhook and email settings: parsed, checked together, errors name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadform.config import SettingsError, SmtpServer, load_settings
from leadform.domain.notifications import EMAIL, WEBHOOK, NotificationTarget
from leadform.i18n.languages import load_languages
from leadform.notifications.targets import notification_targets, staff_language
from tests.conftest import ROOT

BASE = {"LEADFORM_SECRET_KEY": "k" * 32}
SECRET = "s" * 16


def hook(url: str, secret: str = SECRET) -> dict[str, str]:
    return {"LEADFORM_WEBHOOK_URL": url, "LEADFORM_WEBHOOK_SECRET": secret}


EMAIL_SETTINGS = {
    "LEADFORM_SMTP_URL": "smtp://relay.clinic.example:25",
    "LEADFORM_NOTIFY_FROM": "leads@clinic.example",
    "LEADFORM_NOTIFY_TO": "team@clinic.example",
}


def settings_from(tmp_path: Path, **values: str):  # type: ignore[no-untyped-def]
    return load_settings({**BASE, **values}, root=tmp_path)


def test_nothing_is_notified_by_default(tmp_path: Path) -> None:
    settings = settings_from(tmp_path)
    assert notification_targets(settings) == ()
    assert settings.staff_locale == "zh-Hant-HK" and settings.notify_give_up_hours == 24


def test_several_webhook_urls_are_separated_by_spaces_and_kept_once(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        LEADFORM_WEBHOOK_URL=" https://crm.example/hook  http://10.0.0.5:8080/in https://crm.example/hook",
        LEADFORM_WEBHOOK_SECRET=SECRET,
    )
    assert settings.webhook_urls == ("https://crm.example/hook", "http://10.0.0.5:8080/in")


def test_each_webhook_url_and_the_email_are_one_target_each(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        LEADFORM_WEBHOOK_URL="https://a.example/h https://b.example/h",
        LEADFORM_WEBHOOK_SECRET=SECRET,
        **{**EMAIL_SETTINGS, "LEADFORM_NOTIFY_TO": "a@clinic.example, B@Clinic.Example"},
    )
    assert notification_targets(settings) == (
        NotificationTarget(WEBHOOK, "https://a.example/h"),
        NotificationTarget(WEBHOOK, "https://b.example/h"),
        NotificationTarget(EMAIL, "a@clinic.example, B@clinic.example"),
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://user:p%40ss@mail.example:587",
            SmtpServer("mail.example", 587, "starttls", "user", "p@ss"),
        ),
        ("smtp://user:pw@mail.example", SmtpServer("mail.example", 587, "starttls", "user", "pw")),
        ("smtps://user:pw@mail.example", SmtpServer("mail.example", 465, "tls", "user", "pw")),
        ("smtp://relay.example:25", SmtpServer("relay.example", 25, "none")),
        ("smtp://127.0.0.1:2525", SmtpServer("127.0.0.1", 2525, "none")),
        # a password is never sent in the clear, whatever the port
        (
            "smtp://user:pw@relay.example:25",
            SmtpServer("relay.example", 25, "starttls", "user", "pw"),
        ),
    ],
)
def test_smtp_url_chooses_the_connection_security(
    tmp_path: Path, url: str, expected: SmtpServer
) -> None:
    settings = settings_from(tmp_path, **{**EMAIL_SETTINGS, "LEADFORM_SMTP_URL": url})
    assert settings.smtp == expected


def test_smtp_password_stays_out_of_its_repr(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, **{**EMAIL_SETTINGS, "LEADFORM_SMTP_URL": "smtps://u:hunter2@mail.example"}
    )
    assert "hunter2" not in repr(settings.smtp)


def test_sender_may_have_a_display_name(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, **(EMAIL_SETTINGS | {"LEADFORM_NOTIFY_FROM": "診所 Leads <leads@clinic.example>"})
    )
    assert settings.notify_from == "診所 Leads <leads@clinic.example>"


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        (hook("ftp://crm.example/x"), "LEADFORM_WEBHOOK_URL"),
        (hook("https:///nohost"), "LEADFORM_WEBHOOK_URL"),
        (hook("crm.example/hook"), "LEADFORM_WEBHOOK_URL"),
        (hook("http://crm.example:99999/"), "LEADFORM_WEBHOOK_URL"),
        (hook("https://crm.example/#x"), "LEADFORM_WEBHOOK_URL"),
        (hook("https://crm.example/hook", ""), "LEADFORM_WEBHOOK_SECRET"),
        (hook("https://crm.example/hook", "short"), "LEADFORM_WEBHOOK_SECRET"),
        ({**EMAIL_SETTINGS, "LEADFORM_SMTP_URL": "http://mail.example"}, "LEADFORM_SMTP_URL"),
        ({**EMAIL_SETTINGS, "LEADFORM_SMTP_URL": "smtp://"}, "LEADFORM_SMTP_URL"),
        ({**EMAIL_SETTINGS, "LEADFORM_SMTP_URL": "smtp://mail.example:port"}, "LEADFORM_SMTP_URL"),
        ({**EMAIL_SETTINGS, "LEADFORM_SMTP_URL": "smtp://mail.example/inbox"}, "LEADFORM_SMTP_URL"),
        ({**EMAIL_SETTINGS, "LEADFORM_NOTIFY_FROM": "not an address"}, "LEADFORM_NOTIFY_FROM"),
        ({**EMAIL_SETTINGS, "LEADFORM_NOTIFY_FROM": ""}, "LEADFORM_NOTIFY_FROM"),
        ({**EMAIL_SETTINGS, "LEADFORM_NOTIFY_TO": "team@clinic.example, x"}, "LEADFORM_NOTIFY_TO"),
        ({**EMAIL_SETTINGS, "LEADFORM_NOTIFY_TO": " , "}, "LEADFORM_NOTIFY_TO"),
        ({"LEADFORM_NOTIFY_TO": "team@clinic.example"}, "LEADFORM_SMTP_URL"),
        ({"LEADFORM_STAFF_LOCALE": "zh Hant"}, "LEADFORM_STAFF_LOCALE"),
        ({"LEADFORM_NOTIFY_GIVE_UP_HOURS": "0"}, "LEADFORM_NOTIFY_GIVE_UP_HOURS"),
        ({"LEADFORM_NOTIFY_GIVE_UP_HOURS": "-1"}, "LEADFORM_NOTIFY_GIVE_UP_HOURS"),
        ({"LEADFORM_NOTIFY_GIVE_UP_HOURS": "a day"}, "LEADFORM_NOTIFY_GIVE_UP_HOURS"),
        ({"LEADFORM_NOTIFY_GIVE_UP_HOURS": "inf"}, "LEADFORM_NOTIFY_GIVE_UP_HOURS"),
    ],
)
def test_invalid_notification_setting_names_the_variable(
    tmp_path: Path, values: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        settings_from(tmp_path, **values)
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEADFORM_SMTP_URL", "smtpx://user:hunter2@mail.example"),
        ("LEADFORM_WEBHOOK_URL", "ftp://user:hunter2@crm.example/"),
    ],
)
def test_a_refused_url_is_not_echoed_with_its_password(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        values = {**EMAIL_SETTINGS, "LEADFORM_WEBHOOK_SECRET": SECRET, variable: value}
        settings_from(tmp_path, **values)
    assert "hunter2" not in str(raised.value)


def test_staff_locale_without_a_catalog_names_the_variable(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, LEADFORM_STAFF_LOCALE="ja", **EMAIL_SETTINGS)
    languages = load_languages(ROOT / "locales", "en")
    with pytest.raises(SettingsError) as raised:
        staff_language(languages, settings)
    assert raised.value.variable == "LEADFORM_STAFF_LOCALE"


@pytest.mark.parametrize(("tag", "expected"), [("zh-HK", "zh-Hant-HK"), ("en-GB", "en")])
def test_staff_locale_finds_the_catalog_of_its_language(
    tmp_path: Path, tag: str, expected: str
) -> None:
    settings = settings_from(tmp_path, LEADFORM_STAFF_LOCALE=tag)
    languages = load_languages(ROOT / "locales", "en")
    assert staff_language(languages, settings).tag == expected
