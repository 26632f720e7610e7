"""Property tests (Hypothesis) on the pure layers: whatever comes in, no exception
escapes and what comes out is well-formed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import phonenumbers
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leadform.clock import clinic_today
from leadform.domain.clinic_calendar import ClinicCalendar
from leadform.domain.leads import TREATMENTS, LeadInput
from leadform.export.formats import FORMULA_TRIGGERS, csv_text, neutralise_formula
from leadform.i18n.languages import Languages, load_languages, parse_accept_language
from leadform.i18n.messages import Message
from leadform.registration.attribution import clean_url
from leadform.registration.dates import bookable_range
from leadform.registration.form_tokens import MAX_AGE_SECONDS, FormToken, FormTokens, TokenProblem
from leadform.registration.rules import FIELDS, NAME_MAX, validate
from leadform.views.body import BodyError, parse_urlencoded
from leadform.web.request_log import MAX_PATH, log_path
from tests.conftest import ROOT, FakeClock

ZONES = ["Asia/Hong_Kong", "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns"]
NOW = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)

# The machine is shared: a slow example is not a failure (speed lives in bench/).
NO_DEADLINE = settings(deadline=None)


@cache
def languages() -> Languages:
    return load_languages(ROOT / "locales", "en")


# --- validation -------------------------------------------------------------------

field_values = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["acne", "milia", "yes", "on", "", " ", "2026-12-01", "9123 4567"]),
    st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.emails(),
)
submissions = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), field_values, max_size=12
)


@NO_DEADLINE
@given(data=submissions, now=NOW)
def test_validate_returns_a_sound_lead_or_translatable_messages(
    data: dict[str, str], now: datetime
) -> None:
    bookable = bookable_range(now, ZoneInfo("Asia/Hong_Kong"), 1, 90)
    lead, errors = validate(data, bookable)
    if lead is None:
        assert errors and set(errors) <= set(FIELDS)
        for message in errors.values():
            assert isinstance(message, Message)
            for language in languages().all:
                assert language.translate(message)
        return
    assert isinstance(lead, LeadInput) and not errors
    assert 0 < len(lead.name) <= NAME_MAX and lead.name == lead.name.strip()
    assert phonenumbers.is_valid_number(phonenumbers.parse(lead.phone))
    assert lead.treatment in TREATMENTS
    assert bookable.contains(lead.preferred_date)


# --- dates ------------------------------------------------------------------------


@NO_DEADLINE
@given(
    now=NOW,
    zone=st.sampled_from(ZONES),
    min_days=st.integers(0, 400),
    extra=st.integers(0, 400),
)
def test_bookable_range_is_today_in_the_clinic_plus_the_limits(
    now: datetime, zone: str, min_days: int, extra: int
) -> None:
    bookable = bookable_range(now, ZoneInfo(zone), min_days, min_days + extra)
    today = clinic_today(now, ZoneInfo(zone))
    assert bookable.earliest == today + timedelta(days=min_days)
    assert (bookable.latest - bookable.earliest).days == extra
    assert abs((today - now.date()).days) <= 1


# --- tokens -----------------------------------------------------------------------


@NO_DEADLINE
@given(wait=st.floats(min_value=2, max_value=MAX_AGE_SECONDS - 1), secret=st.text(min_size=1))
def test_an_issued_token_is_accepted_for_a_day_after_the_fill_time(
    wait: float, secret: str
) -> None:
    clock = FakeClock()
    value = FormTokens(secret, clock, 2).issue()
    clock.advance(wait)
    assert isinstance(FormTokens(secret, clock, 2).check(value), FormToken)


@NO_DEADLINE
@given(value=st.text(max_size=200))
def test_any_text_as_a_token_is_refused_without_an_exception(value: str) -> None:
    result = FormTokens("secret", FakeClock(), 2).check(value)
    assert isinstance(result, TokenProblem)


@NO_DEADLINE
@given(position=st.integers(min_value=0), replacement=st.characters())
def test_a_changed_token_is_refused_or_still_names_the_same_form(
    position: int, replacement: str
) -> None:
    clock = FakeClock()
    tokens = FormTokens("secret", clock, 0)
    value = tokens.issue()
    original = tokens.check(value)
    index = position % len(value)
    assume(value[index] != replacement)
    changed = tokens.check(value[:index] + replacement + value[index + 1 :])
    # base64's last character has spare bits, so a few changes decode to the same bytes
    assert isinstance(changed, TokenProblem) or changed == original


# --- languages --------------------------------------------------------------------


@NO_DEADLINE
@given(header=st.text(max_size=200))
def test_negotiation_always_picks_one_of_the_catalogs(header: str) -> None:
    assert languages().negotiate(header) in languages().all


@NO_DEADLINE
@given(
    tags=st.lists(
        st.tuples(
            st.sampled_from(["en", "zh-HK", "zh-Hant", "zh-TW", "fr", "*", "x!"]),
            st.one_of(st.none(), st.floats(0, 1).map(lambda q: f"{q:.3f}"), st.text(max_size=5)),
        ),
        max_size=8,
    )
)
def test_accept_language_ranges_come_from_the_header(
    tags: list[tuple[str, str | None]],
) -> None:
    header = ", ".join(tag if q is None else f"{tag};q={q}" for tag, q in tags)
    ranges = parse_accept_language(header)
    assert all(item in header for item in ranges)
    assert languages().negotiate(header) in languages().all


@NO_DEADLINE
@given(tag=st.text(max_size=40))
def test_matching_any_tag_is_a_catalog_or_none(tag: str) -> None:
    assert languages().match(tag) in (*languages().all, None)


# --- CSV neutralisation ---------------------------------------------------------

cells = st.text(
    alphabet=st.one_of(st.sampled_from([*FORMULA_TRIGGERS, '"', ",", "'"]), st.characters()),
    max_size=40,
)


@NO_DEADLINE
@given(value=cells)
def test_a_neutralised_cell_never_starts_a_formula_and_keeps_the_value(value: str) -> None:
    cell = neutralise_formula(value)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert cell in (value, "'" + value)


@NO_DEADLINE
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=5), min_size=1, max_size=5))
def test_csv_of_any_neutralised_cells_reads_back_as_the_same_cells(rows: list[list[str]]) -> None:
    safe = [[neutralise_formula(cell) for cell in row] for row in rows]
    text = csv_text(safe)
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == safe


# --- attribution ------------------------------------------------------------------


@NO_DEADLINE
@given(value=st.text(max_size=60))
def test_a_url_with_space_or_unprintable_characters_is_dropped(value: str) -> None:
    url = "https://clinic.example/" + value
    refused = any(ch.isspace() or not ch.isprintable() for ch in url.strip())
    assert (clean_url(url) == "") >= refused


# --- bodies and logs --------------------------------------------------------------


@NO_DEADLINE
@given(body=st.one_of(st.binary(max_size=500), st.text(max_size=500).map(str.encode)))
def test_any_urlencoded_body_parses_or_is_a_400(body: bytes) -> None:
    try:
        values = parse_urlencoded(body)
    except BodyError as problem:
        assert problem.status == 400
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())


@NO_DEADLINE
@given(path=st.text(max_size=400))
def test_a_logged_path_is_one_printable_ascii_word(path: str) -> None:
    logged = log_path(path)
    assert logged.isascii() and logged.isprintable() and " " not in logged
    assert len(logged) <= MAX_PATH * 10


@NO_DEADLINE
@given(
    now=NOW,
    weekdays=st.frozensets(st.integers(0, 6), max_size=6),
    offset=st.integers(-3, 95),
)
def test_a_day_is_accepted_exactly_when_the_clinic_is_open_within_the_range(
    now: datetime, weekdays: frozenset[int], offset: int
) -> None:
    zone = ZoneInfo("Asia/Hong_Kong")
    calendar = ClinicCalendar(weekdays, "HK")
    bookable = bookable_range(now, zone, 1, 90, calendar)
    day = clinic_today(now, zone) + timedelta(days=offset)
    data = {"name": "Chan", "phone": "9123 4567", "treatment": "acne", "consent_terms": "yes"}
    lead, _ = validate(data | {"preferred_date": day.isoformat()}, bookable)
    open_in_range = bookable.earliest <= day <= bookable.latest and calendar.closure(day) is None
    assert (lead is not None) == open_in_range == bookable.contains(day)
    assert calendar.closure(bookable.earliest) is None
    assert all(bookable.earliest <= c.day <= bookable.latest for c in bookable.closures)
