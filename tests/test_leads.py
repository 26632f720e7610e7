from zoneinfo import ZoneInfo

from leadform.domain.leads import LEAD_FIELDS, Attribution, lead_fields
from tests.factories import lead_record

HK = ZoneInfo("Asia/Hong_Kong")


def test_lead_fields_are_text_in_the_documented_order_with_clinic_time() -> None:
    values = lead_fields(lead_record(attribution=Attribution(utm_source="fb")), HK)
    assert tuple(values) == LEAD_FIELDS
    assert values["submitted_at"] == "2026-11-27T00:30:00+08:00"
    assert (values["consent_marketing"], values["utm_source"], values["referrer"]) == (
        "yes",
        "fb",
        "",
    )


def test_click_ids_are_exported_after_the_documented_columns() -> None:
    lead = lead_record(attribution=Attribution(gclid="Cj0KCQ", fbclid="IwAR2"))
    values = lead_fields(lead, HK)
    assert LEAD_FIELDS[-5:-2] == ("referrer", "gclid", "fbclid")
    assert (values["gclid"], values["fbclid"]) == ("Cj0KCQ", "IwAR2")


def test_the_privacy_columns_come_after_every_earlier_column() -> None:
    assert LEAD_FIELDS[-2:] == ("marketing_withdrawn_at", "opt_out_url")
