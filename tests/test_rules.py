"""The form's rules, called directly: (input, field, message) per language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from leadform.domain.leads import LeadInput
from leadform.i18n.languages import Languages, load_languages
from leadform.registration.dates import BookableRange
from leadform.registration.rules import FIELDS, browser_checks, validate
from tests.conftest import A_BOOKABLE_DAY

ROOT = Path(__file__).resolve().parent.parent
BOOKABLE = BookableRange(date(2026, 11, 27), date(2027, 2, 24))
VALID = {
    "name": "Chan Tai Man",
    "phone": "9123 4567",
    "email": "",
    "treatment": "acne",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": "yes",
}


@pytest.fixture(scope="module")
def languages() -> Languages:
    return load_languages(ROOT / "locales", "en")


def message_for(languages: Languages, tag: str, changes: dict[str, str], field: str) -> str:
    lead, errors = validate(VALID | changes, BOOKABLE)
    assert lead is None
    language = languages.exact(tag)
    assert language is not None
    return language.translate(errors[field])


@pytest.mark.parametrize(
    ("changes", "field", "english", "chinese"),
    [
        ({"name": "  "}, "name", "Enter your name.", "請輸入姓名。"),
        (
            {"name": "x" * 101},
            "name",
            "Your name must be 100 characters or fewer.",
            "姓名不可多於 100 個字元。",
        ),
        (
            {"name": "Chan\x00Tai"},
            "name",
            "Your name contains characters that are not allowed.",
            "姓名含有不允許的字元。",
        ),
        ({"phone": ""}, "phone", "Enter your phone number.", "請輸入電話號碼。"),
        (
            {"phone": "1234"},
            "phone",
            "Enter a valid phone number, like 9123 4567 or +852 9123 4567.",
            "請輸入有效的電話號碼，例如 9123 4567 或 +852 9123 4567。",
        ),
        (
            {"phone": "abc"},
            "phone",
            "Enter a valid phone number, like 9123 4567 or +852 9123 4567.",
            "請輸入有效的電話號碼，例如 9123 4567 或 +852 9123 4567。",
        ),
        (
            {"email": "not-an-email"},
            "email",
            "Enter a valid email address, like name@example.com.",
            "請輸入有效的電郵地址，例如 name@example.com。",
        ),
        ({"treatment": "botox"}, "treatment", "Choose a treatment.", "請選擇療程。"),
        ({"treatment": ""}, "treatment", "Choose a treatment.", "請選擇療程。"),
        (
            {"preferred_date": ""},
            "preferred_date",
            "Choose your preferred date.",
            "請選擇心儀日期。",
        ),
        (
            {"preferred_date": "2026-02-30"},
            "preferred_date",
            "Enter a real date, like Nov 27, 2026.",
            "請輸入有效日期，例如 2026年11月27日。",
        ),
        (
            {"preferred_date": "27/11/2026"},
            "preferred_date",
            "Enter a real date, like Nov 27, 2026.",
            "請輸入有效日期，例如 2026年11月27日。",
        ),
        (
            {"preferred_date": "2026-11-26"},
            "preferred_date",
            "Date should not be before Nov 27, 2026.",
            "日期不可早於 2026年11月27日。",
        ),
        (
            {"preferred_date": "2027-02-25"},
            "preferred_date",
            "Date should not be after Feb 24, 2027.",
            "日期不可遲於 2027年2月24日。",
        ),
        (
            {"consent_terms": ""},
            "consent_terms",
            "Agree to the Registration Terms and Conditions and Privacy Policy to continue.",
            "請同意登記條款及細則及私隱政策以繼續。",
        ),
    ],
)
def test_invalid_input_gets_its_message_in_each_language(
    languages: Languages, changes: dict[str, str], field: str, english: str, chinese: str
) -> None:
    assert message_for(languages, "en", changes, field) == english
    assert message_for(languages, "zh-hant-hk", changes, field) == chinese


def test_valid_lead_is_normalised() -> None:
    lead, errors = validate(
        VALID | {"name": "  陳大文 ", "email": "Chan@Example.COM", "consent_marketing": "yes"},
        BOOKABLE,
    )
    assert errors == {}
    assert lead == LeadInput(
        name="陳大文",
        phone="+85291234567",
        email="Chan@example.com",
        treatment="acne",
        preferred_date=date(2026, 12, 1),
        consent_marketing=True,
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9123 4567", "+85291234567"),
        ("+852 9123 4567", "+85291234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+86 138 0013 8000", "+8613800138000"),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    lead, _ = validate(VALID | {"phone": typed}, BOOKABLE)
    assert lead is not None and lead.phone == stored


def test_every_problem_is_reported_at_once() -> None:
    lead, errors = validate({}, BOOKABLE)
    assert lead is None
    assert list(errors) == ["name", "phone", "treatment", "preferred_date", "consent_terms"]


def test_marketing_consent_is_optional_and_off_by_default() -> None:
    lead, _ = validate(VALID, BOOKABLE)
    assert lead is not None and lead.consent_marketing is False


@pytest.mark.parametrize("day", ["2026-11-27", "2027-02-24"])
def test_first_and_last_bookable_days_are_accepted(day: str) -> None:
    lead, errors = validate(VALID | {"preferred_date": day}, BOOKABLE)
    assert errors == {} and lead is not None


# (field, ValidityState flag, a value the browser flags so): the server must refuse
# the same value with the very message the page gives the browser for that flag.
BROWSER_FLAGGED = [
    ("name", "value-missing", ""),
    ("name", "too-long", "x" * 101),
    ("phone", "value-missing", ""),
    ("phone", "too-long", "9" * 41),
    ("email", "too-long", "a" * 250 + "@example.com"),
    ("treatment", "value-missing", ""),
    ("preferred_date", "value-missing", ""),
    ("preferred_date", "bad-input", "2026-02-30"),
    ("preferred_date", "range-underflow", "2026-11-26"),
    ("preferred_date", "range-overflow", "2027-02-25"),
    ("consent_terms", "value-missing", ""),
]


@pytest.mark.parametrize(("field", "flag", "value"), BROWSER_FLAGGED)
def test_browser_check_message_is_the_servers_message_for_the_same_value(
    field: str, flag: str, value: str
) -> None:
    _, errors = validate(VALID | {field: value}, BOOKABLE)
    assert browser_checks(BOOKABLE)[field].messages[flag] == errors[field]


def test_every_browser_check_is_covered_by_the_table() -> None:
    listed = {(field, flag) for field, flag, _ in BROWSER_FLAGGED}
    checks = browser_checks(BOOKABLE)
    assert {(field, flag) for field, check in checks.items() for flag in check.messages} == listed
    assert set(checks) <= set(FIELDS)


def test_browser_constraints_are_the_servers_limits() -> None:
    checks = browser_checks(BOOKABLE)
    assert checks["name"].attributes == {"maxlength": "100"}
    assert checks["preferred_date"].attributes == {"min": "2026-11-27", "max": "2027-02-24"}


def test_full_width_email_typed_with_a_chinese_ime_is_normalised() -> None:
    lead, errors = validate(VALID | {"email": "ＡＢＣ＠example.com"}, BOOKABLE)
    assert errors == {} and lead is not None
    assert lead.email == "ABC@example.com"
