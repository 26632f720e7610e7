"""GET /admin/leads.csv and .xlsx: who may, the file itself, cursors, the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import openpyxl
import pytest

from leadform.config import PostgresUrl, Settings
from leadform.domain.leads import LEAD_FIELDS
from tests.conftest import sign_in
from tests.databases import on_engine, query, write
from tests.factories import add_staff, add_token, insert_leads, lead

pytestmark = pytest.mark.anyio


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every test here on both engines


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_records(body: bytes) -> list[dict[str, str]]:
    header, *rows = csv_rows(body)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
async def token(client: httpx.AsyncClient, settings: Settings) -> str:
    return add_token(settings.database)


# --- who may export ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/leads.csv", "/admin/leads.xlsx"])
async def test_no_credentials_get_401_with_a_challenge(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="leadform"'


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lf_nothinghere_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "Bearer junk",
        "Basic abc",
    ],
)
async def test_invalid_token_gets_401(client: httpx.AsyncClient, token: str, header: str) -> None:
    response = await client.get("/admin/leads.csv", headers={"Authorization": header})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_token_with_a_wrong_secret_gets_401(client: httpx.AsyncClient, token: str) -> None:
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (await client.get("/admin/leads.csv", headers=bearer(tampered))).status_code == 401


async def test_revoked_token_loses_access_at_once(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    assert (await client.get("/admin/leads.csv", headers=bearer(token))).status_code == 200
    write(settings.database, [("UPDATE api_tokens SET revoked_at = '2026-11-26T00:00:00Z'", ())])
    assert (await client.get("/admin/leads.csv", headers=bearer(token))).status_code == 401


async def test_disabled_staff_session_loses_export_access_at_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    add_staff(settings.database)
    await sign_in(client)
    assert (await client.get("/admin/leads.csv")).status_code == 200
    write(settings.database, [("UPDATE staff SET disabled_at = '2026-11-26T00:00:00Z'", ())])
    assert (await client.get("/admin/leads.csv")).status_code == 401


# --- the CSV file ------------------------------------------------------------------


async def test_csv_is_an_excel_ready_attachment_with_bom_and_crlf(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    insert_leads(settings.database, [lead(), lead()])
    response = await client.get("/admin/leads.csv", headers=bearer(token))
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    # 10:00 in Hong Kong (the clock fixture)
    assert response.headers["content-disposition"] == (
        'attachment; filename="leads-20261126-1000.csv"'
    )
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf" + b"reference,submitted_at,name,")
    assert body.count(b"\r\n") == 3 and body.replace(b"\r\n", b"").count(b"\n") == 0
    assert csv_rows(body)[0] == list(LEAD_FIELDS)


async def test_bom_0_leaves_the_mark_out(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/admin/leads.csv?bom=0", headers=bearer(token))
    assert response.content.startswith(b"reference,")


async def test_chinese_names_and_phones_round_trip(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    insert_leads(
        settings.database,
        [
            lead(name="陳大文", phone="+85291234567"),
            lead(name='Wong, "Ah Ming"\nJr', phone="+447911123456"),
        ],
    )
    records = csv_records((await client.get("/admin/leads.csv", headers=bearer(token))).content)
    assert [r["name"] for r in records] == ["陳大文", 'Wong, "Ah Ming"\nJr']
    assert [r["phone"] for r in records] == ["'+85291234567", "'+447911123456"]


@pytest.mark.parametrize("sign", ["=", "+", "-", "@", "\t", "\r", "＝"])
async def test_formula_signs_in_free_text_are_neutralised(
    client: httpx.AsyncClient, settings: Settings, token: str, sign: str
) -> None:
    payload = f'{sign}HYPERLINK("http://evil.example","x")'
    insert_leads(
        settings.database,
        [lead(name=payload, email=payload, utm_source=payload, page_url=payload, referrer=payload)],
    )
    (record,) = csv_records((await client.get("/admin/leads.csv", headers=bearer(token))).content)
    for field in ("name", "email", "utm_source", "page_url", "referrer"):
        assert record[field] == "'" + payload


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("treatment=milia", ["B"]),
        ("locale=zh-hant-hk", ["B"]),
        ("marketing=yes", ["B"]),
        ("q=chan", ["A"]),
        ("from=2026-11-24&to=2026-11-24", ["C"]),
        ("", ["C", "A", "B"]),
    ],
)
async def test_csv_takes_the_same_filters_as_the_page(
    client: httpx.AsyncClient, settings: Settings, token: str, query: str, expected: list[str]
) -> None:
    insert_leads(
        settings.database,
        [
            lead(reference="C", created_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
            lead(reference="A", name="Chan Tai Man"),
            lead(reference="B", treatment="milia", locale="zh-Hant-HK", consent_marketing=1),
        ],
    )
    response = await client.get(f"/admin/leads.csv?{query}", headers=bearer(token))
    assert [r["reference"] for r in csv_records(response.content)] == expected


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "from=nope", "treatment=botox", "header=x", "bom=2"]
)
async def test_bad_parameters_get_400(client: httpx.AsyncClient, token: str, query: str) -> None:
    response = await client.get(f"/admin/leads.csv?{query}", headers=bearer(token))
    assert response.status_code == 400


async def test_labels_header_in_traditional_chinese(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(
        "/admin/leads.csv?header=labels&lang=zh-hant-hk", headers=bearer(token)
    )
    header = csv_rows(response.content)[0]
    assert header[:4] == ["參考編號", "提交時間", "姓名", "電話號碼"]
    assert len(header) == len(LEAD_FIELDS)


# --- the cursor ----------------------------------------------------------------------


async def test_cursor_gives_exactly_the_leads_stored_after_the_last_export(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    first_ids = insert_leads(settings.database, [lead() for _ in range(3)])
    first = await client.get("/admin/leads.csv", headers=bearer(token))
    cursor = first.headers["leadform-cursor"]
    assert cursor == str(first_ids[-1])
    again = await client.get(f"/admin/leads.csv?after={cursor}", headers=bearer(token))
    assert csv_records(again.content) == [] and again.headers["leadform-cursor"] == cursor
    insert_leads(settings.database, [lead(reference="NEW1"), lead(reference="NEW2")])
    later = await client.get(f"/admin/leads.csv?after={cursor}", headers=bearer(token))
    assert [r["reference"] for r in csv_records(later.content)] == ["NEW1", "NEW2"]
    assert int(later.headers["leadform-cursor"]) > int(cursor)


async def test_cursor_with_filters_skips_only_what_was_covered(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    insert_leads(settings.database, [lead(treatment="milia")])
    cursor = (await client.get("/admin/leads.csv?treatment=acne", headers=bearer(token))).headers[
        "leadform-cursor"
    ]
    insert_leads(settings.database, [lead(reference="LATER", treatment="acne")])
    response = await client.get(
        f"/admin/leads.csv?treatment=acne&after={cursor}", headers=bearer(token)
    )
    assert [r["reference"] for r in csv_records(response.content)] == ["LATER"]


# --- XLSX ----------------------------------------------------------------------------


async def test_xlsx_is_a_real_workbook_with_typed_cells(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    insert_leads(settings.database, [lead(name="=1+1", phone="+85291234567"), lead(name="陳大文")])
    response = await client.get(
        "/admin/leads.xlsx?header=labels&lang=zh-hant-hk", headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="leads-20261126-1000.xlsx"' in response.headers["content-disposition"]
    assert response.headers["leadform-cursor"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=1))
    assert rows[0][2].value == "姓名"
    assert rows[1][2].value == "=1+1" and rows[1][2].data_type == "s"
    assert rows[1][3].value == "+85291234567" and rows[1][3].data_type == "s"
    assert rows[2][2].value == "陳大文"
    assert all(cell.data_type != "f" for row in rows for cell in row)


# --- the audit log -------------------------------------------------------------------


async def test_every_export_is_recorded_with_who_what_and_how_many(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    insert_leads(settings.database, [lead(), lead(treatment="milia")])
    await client.get("/admin/leads.csv?treatment=acne&q=Lead", headers=bearer(token))
    (record,) = query(settings.database, "SELECT * FROM exports")
    assert (record["actor_kind"], record["actor"], record["format"]) == ("token", "crm-sync", "csv")
    assert record["filters"] == '{"q": "Lead", "treatment": "acne"}'
    assert (record["row_count"], record["status"]) == (1, "complete")
    assert record["started_at"].startswith("2026-11-26T02:00")


async def test_export_log_page_lists_exports_for_staff(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    insert_leads(settings.database, [lead()])
    await client.get("/admin/leads.xlsx?marketing=no", headers=bearer(token))
    add_staff(settings.database)
    await sign_in(client)
    await client.get("/admin/leads.csv")
    page = await client.get("/admin/exports")
    assert page.status_code == 200
    assert "API token crm-sync" in page.text and "sales@example.com" in page.text
    assert "<li>Marketing consent: No</li>" in page.text
    assert len(re.findall(r'data-export-id="\d+"', page.text)) == 2


def new_since_links(html: str) -> dict[str, tuple[str, str, str]]:
    """data-new-since / data-new-since-all -> (url, count, text) of each offered link."""
    found = re.findall(
        r'href="([^"]+)" download (data-new-since(?:-all)?)="(\d+)">\s*(.*?)\s*</a>', html, re.S
    )
    return {kind: (url.replace("&amp;", "&"), count, text) for url, kind, count, text in found}


async def test_new_since_my_last_export_button_counts_and_links_new_leads(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    add_staff(settings.database)
    insert_leads(settings.database, [lead()])
    await sign_in(client)
    assert "data-new-since" not in (await client.get("/admin")).text
    exported = await client.get("/admin/leads.csv?treatment=acne")
    insert_leads(
        settings.database, [lead(reference="N1"), lead(reference="N2"), lead(treatment="milia")]
    )
    links = new_since_links((await client.get("/admin")).text)
    url, count, text = links["data-new-since"]
    assert count == "2"
    assert text == "New since my last export (Treatment: Acne): 2 leads"
    assert f"after={exported.headers['leadform-cursor']}" in url
    response = await client.get(url)
    assert [r["reference"] for r in csv_records(response.content)] == ["N1", "N2"]
    assert links["data-new-since-all"][1:] == (
        "3",
        "All new leads since my last export, any filters: 3 leads",
    )


async def test_new_since_a_filtered_export_offers_every_new_lead_when_none_match(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    add_staff(settings.database)
    insert_leads(settings.database, [lead(name="陳大文", treatment="milia")])
    await sign_in(client)
    exported = await client.get("/admin/leads.csv", params={"treatment": "milia", "q": "陳"})
    insert_leads(settings.database, [lead(reference="ACNE1", name="Wong")])
    page = (await client.get("/admin")).text
    links = new_since_links(page)
    assert "data-new-since" not in links  # no empty download
    assert (
        '<p class="hint" data-new-since="0">No new leads match your last export’s filters '
        "(Search: “陳” and Treatment: Milia).</p>"
    ) in page
    url, count, _ = links["data-new-since-all"]
    assert (url, count) == (f"/admin/leads.csv?after={exported.headers['leadform-cursor']}", "1")
    response = await client.get(url)
    assert [r["reference"] for r in csv_records(response.content)] == ["ACNE1"]


async def test_new_since_an_unfiltered_export_with_nothing_new_offers_no_download(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    add_staff(settings.database)
    insert_leads(settings.database, [lead()])
    await sign_in(client)
    await client.get("/admin/leads.xlsx")
    page = (await client.get("/admin")).text
    assert new_since_links(page) == {}
    assert '<p class="hint" data-new-since="0">No new leads since your last export.</p>' in page


async def test_new_since_states_the_filters_in_the_staff_language(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    add_staff(settings.database)
    await sign_in(client)
    await client.get("/admin/leads.csv", params={"treatment": "milia", "q": "陳"})
    insert_leads(settings.database, [lead(name="陳小明", treatment="milia")])
    page = (await client.get("/admin?lang=zh-hant-hk")).text
    _, _, text = new_since_links(page)["data-new-since"]
    assert text == "自上次匯出後的新登記（搜尋：「陳」及療程：脂肪粒）：1 個"


async def test_export_log_shows_filters_as_translated_labels_and_values(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    params = {
        "treatment": "milia",
        "locale": "zh-Hant-HK",
        "marketing": "yes",
        "from": "2026-11-01",
    }
    await client.get("/admin/leads.csv", params=params, headers=bearer(token))
    add_staff(settings.database)
    await sign_in(client)
    page = (await client.get("/admin/exports?lang=zh-hant-hk")).text
    cell = re.search(r'<ul class="plain-list">(.*?)</ul>', page, re.S)
    assert cell
    assert re.findall(r"<li>(.*?)</li>", cell.group(1)) == [
        "提交日期由：2026年11月1日",
        "療程：脂肪粒",
        "語言：繁體中文",
        "同意接收推廣資訊：是",
    ]
    assert "treatment=" not in page and "zh-Hant-HK</" not in page


async def test_export_log_pages_link_back_to_newer_records(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    sql = (
        "INSERT INTO exports (started_at, actor, actor_kind, format, filters, after_id, "
        "upto_id, status) VALUES ('2026-11-25T02:00:00Z', 'cron', 'command', 'csv', '{}', "
        "0, ?, 'complete')"
    )
    write(settings.database, [(sql, (n,)) for n in range(150)])
    add_staff(settings.database)
    await sign_in(client)

    def export_ids(html: str) -> list[int]:
        return [int(n) for n in re.findall(r'data-export-id="(\d+)"', html)]

    def link(html: str, rel: str) -> str:
        found = re.search(rf'href="(/admin/exports\?[^"]*)" rel="{rel}"', html)
        assert found, rel
        return found.group(1)

    first = (await client.get("/admin/exports")).text
    assert export_ids(first) == list(range(150, 50, -1)) and 'rel="prev"' not in first
    second = (await client.get(link(first, "next"))).text
    assert export_ids(second) == list(range(50, 0, -1))
    back = (await client.get(link(second, "prev"))).text
    assert export_ids(back) == export_ids(first)
