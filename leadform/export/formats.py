"""Leads as CSV and XLSX for spreadsheets: columns, labels, formula neutralisation.

Pure: leads in, text or a workbook out; the caller reads the database and sends
the bytes. Columns follow LEAD_FIELDS, the documented order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

import xlsxwriter

from leadform.domain.leads import LEAD_FIELDS, Lead, lead_fields
from leadform.domain.opt_out import OptOutLinks
from leadform.i18n.messages import N_

BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMN_LABELS: dict[str, str] = {
    "reference": N_("Reference"),
    "submitted_at": N_("Submitted at"),
    "name": N_("Name"),
    "phone": N_("Phone number"),
    "email": N_("Email"),
    "treatment": N_("Treatment"),
    "preferred_date": N_("Preferred date"),
    "locale": N_("Language"),
    "consent_marketing": N_("Marketing consent"),
    "utm_source": N_("UTM source"),
    "utm_medium": N_("UTM medium"),
    "utm_campaign": N_("UTM campaign"),
    "utm_term": N_("UTM term"),
    "utm_content": N_("UTM content"),
    "page_url": N_("Page URL"),
    "referrer": N_("Referrer"),
    "gclid": N_("Google click ID"),
    "fbclid": N_("Facebook click ID"),
    "marketing_withdrawn_at": N_("Marketing consent withdrawn at"),
    "opt_out_url": N_("Marketing opt-out link"),
}

# OWASP CSV Injection: a cell starting with one of these is read as a formula by
# Excel or LibreOffice Calc (https://owasp.org/www-community/attacks/CSV_Injection).
# The full-width forms are included because East Asian Excel versions accept them
# as formula signs too, and this clinic's visitors type Chinese.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise_formula(value: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would evaluate (OWASP)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)
_SUBMITTED_AT = LEAD_FIELDS.index("submitted_at")
_WITHDRAWN_AT = LEAD_FIELDS.index("marketing_withdrawn_at")
_OPT_OUT_URL = LEAD_FIELDS.index("opt_out_url")
_REFERENCE = LEAD_FIELDS.index("reference")
_LOCALE = LEAD_FIELDS.index("locale")


def csv_chunk_from_text(
    rows: Iterable[Sequence[str]], zone: ZoneInfo, links: OptOutLinks | None = None
) -> str:
    """The fast path of `csv_chunk`: rows already as LEAD_FIELDS text (submitted_at
    still in UTC), so no Lead is built per row. Gives the same cells as
    `csv_cells` (a test checks); exporting a million leads is mostly this loop."""
    triggers = _TRIGGER_CHARS
    at = _SUBMITTED_AT
    local_time = LocalTimes(zone)
    cells_per_row = []
    for row in rows:
        cells = ["'" + value if value[:1] in triggers else value for value in row]
        cells[at] = local_time(row[at])
        if row[_WITHDRAWN_AT]:
            cells[_WITHDRAWN_AT] = local_time(row[_WITHDRAWN_AT])
        if links is not None:  # a URL starts with "/" or "http": no formula trigger
            cells[_OPT_OUT_URL] = links.url(row[_REFERENCE], row[_LOCALE])
        cells_per_row.append(cells)
    return csv_text(cells_per_row)


class LocalTimes:
    """Stored UTC text ("2026-11-26T02:00:00.000000Z") as the clinic's local time
    with offset, exactly as lead_fields() writes it.

    Leads cluster in time, so the local hour and offset are worked out once per UTC
    hour and reused; an hour with a zone transition or a non-whole-hour offset is
    converted row by row.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._hours: dict[str, tuple[str, str] | None] = {}

    def __call__(self, utc_text: str) -> str:
        hour = utc_text[:13]
        if hour not in self._hours:
            self._hours[hour] = self._hour(hour) if utc_text.endswith("Z") else None
        cached = self._hours[hour]
        if cached is not None and utc_text.endswith("Z"):
            return cached[0] + utc_text[13:19] + cached[1]
        moment = datetime.fromisoformat(utc_text).astimezone(self._zone)
        return moment.isoformat(timespec="seconds")

    def _hour(self, hour: str) -> tuple[str, str] | None:
        try:
            start = datetime.fromisoformat(hour + ":00:00+00:00")
        except ValueError:
            return None
        end = start + timedelta(hours=1) - timedelta(microseconds=1)
        offset = start.astimezone(self._zone).utcoffset()
        if offset is None or offset != end.astimezone(self._zone).utcoffset():
            return None
        if offset % timedelta(hours=1):
            return None  # e.g. +05:30: the minutes change too
        text = start.astimezone(self._zone).isoformat(timespec="seconds")
        return text[:13], text[19:]


def header_row(translate: Callable[[str], str] | None = None) -> list[str]:
    """Stable English keys, or translated labels for people."""
    if translate is None:
        return list(LEAD_FIELDS)
    return [translate(COLUMN_LABELS[name]) for name in LEAD_FIELDS]


def csv_cells(lead: Lead, zone: ZoneInfo, links: OptOutLinks | None = None) -> list[str]:
    """One lead's cells, every one neutralised.

    The phone is E.164 ("+85291234567"): only a plus and digits, so it cannot carry a
    formula, but Excel would read it as the number 85291234567 and drop the plus. It
    gets the same quote as any other cell starting with "+", which Excel and Calc
    show as text: every digit and the plus stay readable.
    """
    return [neutralise_formula(value) for value in lead_fields(lead, zone, links).values()]


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Rows as RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma,
    quote or line break, quotes doubled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_chunk(leads: Iterable[Lead], zone: ZoneInfo, links: OptOutLinks | None = None) -> str:
    return csv_text(csv_cells(lead, zone, links) for lead in leads)


# Excel's limit per sheet, header included; more leads continue on another sheet.
XLSX_MAX_ROWS = 1_048_576


class XlsxLeads:
    """A workbook written row by row (XlsxWriter's constant-memory mode).

    Every cell is written as text or a date, never through XlsxWriter's guessing
    `write()`, so nothing can become a formula, a number or a link: phone numbers
    keep their plus. Times are the clinic's local time (Excel has no time zones).
    """

    def __init__(
        self,
        target: str | IO[bytes],
        zone: ZoneInfo,
        header: Sequence[str],
        links: OptOutLinks | None = None,
    ) -> None:
        self._book = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._zone = zone
        self._links = links
        self._header = list(header)
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._time = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._bold = self._book.add_format({"bold": True})
        self._sheet: Any = None
        self._row = XLSX_MAX_ROWS
        self._sheets = 0
        self.rows = 0

    def _next_sheet(self) -> None:
        self._sheets += 1
        name = "leads" if self._sheets == 1 else f"leads ({self._sheets})"
        self._sheet = self._book.add_worksheet(name)
        self._sheet.freeze_panes(1, 0)
        for column, name in enumerate(LEAD_FIELDS):
            width = 22 if name in ("submitted_at", "email", "page_url", "referrer") else 14
            self._sheet.set_column(column, column, width)
        for column, label in enumerate(self._header):
            self._sheet.write_string(0, column, label, self._bold)
        self._row = 1

    def add(self, leads: Iterable[Lead]) -> None:
        for lead in leads:
            if self._row >= XLSX_MAX_ROWS:
                self._next_sheet()
            self._write(self._row, lead)
            self._row += 1
            self.rows += 1

    def _write(self, row: int, lead: Lead) -> None:
        sheet = self._sheet
        values = lead_fields(lead, self._zone, self._links)
        times = {
            "submitted_at": lead.created_at,
            "marketing_withdrawn_at": lead.marketing_withdrawn_at,
        }
        for column, name in enumerate(LEAD_FIELDS):
            moment = times.get(name)
            if moment is not None:
                local = moment.astimezone(self._zone).replace(tzinfo=None)
                sheet.write_datetime(row, column, _whole_seconds(local), self._time)
            elif name == "preferred_date":
                sheet.write_datetime(row, column, lead.preferred_date, self._date)
            else:
                sheet.write_string(row, column, values[name])

    def close(self) -> None:
        if self._sheets == 0:
            self._next_sheet()  # an empty export still has its header row
        self._book.close()


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
