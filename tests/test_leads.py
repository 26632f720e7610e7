from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from leadform.leads import LEAD_FIELDS, Attribution, Lead, lead_fields


def test_lead_fields_are_text_in_the_documented_order_with_clinic_time() -> None:
    lead = Lead(
        id=1,
        reference="ABCD2345",
        created_at=datetime(2026, 11, 26, 16, 30, tzinfo=UTC),
        locale="zh-Hant-HK",
        name="陳大文",
        phone="+85291234567",
        email="",
        treatment="milia",
        preferred_date=date(2026, 12, 1),
        consent_marketing=True,
        attribution=Attribution(utm_source="fb"),
    )
    values = lead_fields(lead, ZoneInfo("Asia/Hong_Kong"))
    assert tuple(values) == LEAD_FIELDS
    assert values["submitted_at"] == "2026-11-27T00:30:00+08:00"
    assert (values["consent_marketing"], values["utm_source"], values["referrer"]) == (
        "yes",
        "fb",
        "",
    )


def test_click_ids_are_exported_after_the_documented_columns() -> None:
    lead = Lead(
        id=1,
        reference="ABCD2345",
        created_at=datetime(2026, 11, 26, 16, 30, tzinfo=UTC),
        locale="en",
        name="Chan",
        phone="+85291234567",
        email="",
        treatment="acne",
        preferred_date=date(2026, 12, 1),
        consent_marketing=False,
        attribution=Attribution(gclid="Cj0KCQ", fbclid="IwAR2"),
    )
    values = lead_fields(lead, ZoneInfo("Asia/Hong_Kong"))
    assert LEAD_FIELDS[-3:] == ("referrer", "gclid", "fbclid")
    assert (values["gclid"], values["fbclid"]) == ("Cj0KCQ", "IwAR2")
