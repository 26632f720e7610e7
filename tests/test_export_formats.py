"""CSV and XLSX formatting: neutralisation, RFC 4180, Chinese, phones, typed cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadform.domain.leads import LEAD_FIELDS, Attribution, Lead, lead_fields
from leadform.export.formats import (
    BOM,
    LocalTimes,
    XlsxLeads,
    csv_cells,
    csv_chunk,
    csv_chunk_from_text,
    csv_text,
    header_row,
    neutralise_formula,
)

HK = ZoneInfo("Asia/Hong_Kong")


def make_lead(**overrides: object) -> Lead:
    values: dict[str, object] = {
        "id": 1,
        "reference": "ABCD2345",
        "created_at": datetime(2026, 11, 26, 16, 30, tzinfo=UTC),
        "locale": "zh-Hant-HK",
        "name": "陳大文",
        "phone": "+85291234567",
        "email": "chan@example.com",
        "treatment": "milia",
        "preferred_date": date(2026, 12, 1),
        "consent_marketing": True,
        "attribution": Attribution(),
    }
    values.update(overrides)
    return Lead(**values)  # type: ignore[arg-type]


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝1+1", "'＝1+1"),  # full-width equals sign
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("Chan =1+1", "Chan =1+1"),  # only a leading sign makes a formula
        ("陳大文", "陳大文"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise_formula_prefixes_a_quote_to_formula_signs_only(value: str, cell: str) -> None:
    assert neutralise_formula(value) == cell


@pytest.mark.parametrize(
    "field", ["name", "email", "utm_source", "utm_campaign", "page_url", "referrer"]
)
def test_every_free_text_cell_is_neutralised(field: str) -> None:
    if field in ("name", "email"):
        lead = make_lead(**{field: "=1+1"})
    else:
        lead = make_lead(attribution=Attribution(**{field: "=1+1"}))
    cells = dict(zip(LEAD_FIELDS, csv_cells(lead, HK), strict=True))
    assert cells[field] == "'=1+1"


def test_phone_keeps_its_plus_and_every_digit_behind_the_text_marker() -> None:
    cells = dict(zip(LEAD_FIELDS, csv_cells(make_lead(), HK), strict=True))
    assert cells["phone"] == "'+85291234567"
    assert cells["phone"].lstrip("'") == "+85291234567"


def test_csv_uses_crlf_and_rfc4180_quoting() -> None:
    text = csv_text([["a,b", 'say "hi"', "two\nlines", "plain"]])
    assert text == '"a,b","say ""hi""","two\nlines",plain\r\n'
    assert parse(text) == [["a,b", 'say "hi"', "two\nlines", "plain"]]


def test_csv_chunk_round_trips_chinese_and_columns_in_documented_order() -> None:
    text = csv_chunk([make_lead(name="陳大文, Chan")], HK)
    (row,) = parse(text)
    cells = dict(zip(LEAD_FIELDS, row, strict=True))
    assert cells["name"] == "陳大文, Chan"
    assert cells["submitted_at"] == "2026-11-27T00:30:00+08:00"
    assert cells["consent_marketing"] == "yes"
    assert cells["utm_source"] == cells["referrer"] == ""
    assert text.encode("utf-8").decode("utf-8") == text


def test_header_is_english_keys_or_translated_labels() -> None:
    assert header_row() == list(LEAD_FIELDS)
    labels = header_row(lambda msgid: f"[{msgid}]")
    assert labels[0] == "[Reference]" and labels[3] == "[Phone number]"
    assert len(labels) == len(LEAD_FIELDS)


def test_bom_is_the_utf8_byte_order_mark() -> None:
    assert BOM.encode("utf-8") == b"\xef\xbb\xbf"


def write_workbook(path: Path, leads: list[Lead]) -> None:
    book = XlsxLeads(str(path), HK, header_row())
    book.add(leads)
    book.close()


def test_xlsx_cells_are_text_or_dates_and_nothing_is_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    write_workbook(path, [make_lead(name="=cmd|' /C calc'!A0", email="@x.com")])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    header, row = list(sheet.iter_rows(values_only=False))
    assert [cell.value for cell in header] == list(LEAD_FIELDS)
    cells = dict(zip(LEAD_FIELDS, row, strict=True))
    assert {cell.data_type for cell in row} <= {"s", "d", "n"}  # openpyxl: dates are "d" or "n"
    assert all(cell.data_type != "f" for cell in row)
    assert cells["name"].value == "=cmd|' /C calc'!A0" and cells["name"].data_type == "s"
    assert cells["phone"].value == "+85291234567" and cells["phone"].data_type == "s"
    assert cells["submitted_at"].value == datetime(2026, 11, 27, 0, 30)
    assert cells["submitted_at"].is_date
    assert cells["preferred_date"].value == datetime(2026, 12, 1)
    assert cells["preferred_date"].is_date


def test_xlsx_keeps_chinese_text(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    write_workbook(path, [make_lead(name="陳大文")])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet.cell(row=2, column=3).value == "陳大文"


def test_empty_xlsx_still_has_its_header(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    write_workbook(path, [])
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value for c in next(sheet.iter_rows())] == list(LEAD_FIELDS)
    assert sheet.max_row == 1


ZONES = ["Asia/Hong_Kong", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe", "UTC"]


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    zone_name=st.sampled_from(ZONES),
)
def test_local_times_match_lead_fields_in_any_zone(moment: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    stored = moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
    expected = moment.astimezone(zone).isoformat(timespec="seconds")
    times = LocalTimes(zone)
    assert times(stored) == expected
    assert times(stored) == expected  # and again from the cache


@given(name=st.text(max_size=20), email=st.text(max_size=20), source=st.text(max_size=10))
def test_fast_csv_path_gives_the_cells_of_lead_fields(name: str, email: str, source: str) -> None:
    lead = make_lead(name=name, email=email, attribution=Attribution(utm_source=source))
    text_row = list(lead_fields(lead, ZoneInfo("UTC")).values())
    text_row[1] = lead.created_at.isoformat(timespec="microseconds").replace("+00:00", "Z")
    assert parse(csv_chunk_from_text([text_row], HK)) == parse(csv_chunk([lead], HK))
