"""The marketing opt-out link: signed, in the person's language, one button; a GET
changes nothing, a POST records the withdrawal once; exports and webhooks carry it."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import httpx
import pytest
from itsdangerous import Signer

from leadform.config import PostgresUrl, Settings
from leadform.domain.opt_out import OptOutLinks
from leadform.notifications.webhook import webhook_document
from tests.databases import on_engine, query, write
from tests.factories import add_token, insert_leads, lead, lead_record
from tests.test_http_export import bearer, csv_records

pytestmark = pytest.mark.anyio

REFERENCE = "CPR2Y54K"


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every test here on both engines


@pytest.fixture
def link(client: httpx.AsyncClient, settings: Settings) -> str:
    insert_leads(settings.database, [lead(reference=REFERENCE, consent_marketing=1)])
    return settings.opt_out_links.path(REFERENCE, "en")


def withdrawn_at(settings: Settings) -> str | None:
    sql = "SELECT marketing_withdrawn_at FROM leads WHERE reference = ?"
    found = query(settings.database, sql, REFERENCE)
    return found[0]["marketing_withdrawn_at"] if found else None


async def test_opening_the_link_shows_one_button_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, link: str
) -> None:
    page = await client.get(link)
    assert page.status_code == 200
    assert page.text.count("<button") == 1 and f'action="{link}"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert withdrawn_at(settings) is None


async def test_pressing_the_button_withdraws_consent_and_a_second_press_is_harmless(
    client: httpx.AsyncClient, settings: Settings, link: str
) -> None:
    first = await client.post(link)
    assert first.status_code == 200 and "no more marketing messages" in first.text
    recorded = withdrawn_at(settings)
    assert recorded == "2026-11-26T02:00:00.000000Z"
    again = await client.post(link)
    assert again.status_code == 200 and withdrawn_at(settings) == recorded
    assert "<button" not in (await client.get(link)).text  # the page now says it is done


@pytest.mark.parametrize(
    "tampered",
    [
        lambda link: link[:-1] + ("A" if link[-1] != "A" else "B"),  # signature changed
        lambda link: link.replace(REFERENCE, "CPR2Y54M"),  # another reference
        lambda link: link + "x" * 100,  # too long
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_tampered_link_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, link: str, tampered: object, method: str
) -> None:
    response = await client.request(method, tampered(link))  # type: ignore[operator]
    assert response.status_code == 404
    assert withdrawn_at(settings) is None


async def test_a_signature_made_for_another_purpose_is_refused(
    client: httpx.AsyncClient, settings: Settings, link: str
) -> None:
    other = OptOutLinks("another secret key of the same length!").signature(REFERENCE)
    response = await client.post(f"/en/opt-out/{REFERENCE}/{other}")
    assert response.status_code == 404 and withdrawn_at(settings) is None


@pytest.mark.parametrize(
    ("lang", "button"),
    [
        ("en", "Stop marketing messages"),
        ("zh-hant-hk", "停止接收推廣訊息"),
        ("zh-hans-cn", "停止接收推广信息"),
    ],
)
async def test_the_page_speaks_the_persons_language(
    client: httpx.AsyncClient, settings: Settings, link: str, lang: str, button: str
) -> None:
    page = await client.get(settings.opt_out_links.path(REFERENCE, lang))
    assert page.status_code == 200 and button in page.text


async def test_an_erased_lead_s_link_is_a_404(
    client: httpx.AsyncClient, settings: Settings, link: str
) -> None:
    write(settings.database, [("DELETE FROM leads", ())])
    assert (await client.get(link)).status_code == 404


async def test_the_request_log_holds_neither_the_reference_nor_the_signature(
    client: httpx.AsyncClient, link: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="leadform.request"):
        await client.get(link)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/en/opt-out/[hidden]" in logged
    assert REFERENCE not in logged and link.rsplit("/", 1)[1] not in logged


async def test_the_export_carries_the_link_last_and_shows_the_withdrawal(
    client: httpx.AsyncClient, settings: Settings, link: str
) -> None:
    token = add_token(settings.database)
    await client.post(link)
    response = await client.get("/admin/leads.csv", headers=bearer(token))
    [record] = csv_records(response.content)
    assert list(record)[-2:] == ["marketing_withdrawn_at", "opt_out_url"]
    assert record["opt_out_url"] == link
    assert record["consent_marketing"] == "no"
    assert record["marketing_withdrawn_at"] == "2026-11-26T10:00:00+08:00"
    assert (await client.get(record["opt_out_url"])).status_code == 200


async def test_the_link_is_absolute_when_the_public_address_is_set(settings: Settings) -> None:
    links = OptOutLinks(settings.secret_key, "https://trial.clinic.example")
    url = links.url(REFERENCE, "zh-Hant-HK")
    assert url.startswith("https://trial.clinic.example/zh-hant-hk/opt-out/CPR2Y54K/")
    assert links.matches(REFERENCE, url.rsplit("/", 1)[1])


def test_the_webhook_document_carries_the_link(settings: Settings) -> None:
    links = OptOutLinks(settings.secret_key, "https://trial.clinic.example")
    document = webhook_document(lead_record(reference=REFERENCE), "d-1", settings.timezone, links)
    assert document["opt_out_url"] == links.url(REFERENCE, "zh-Hant-HK")
    assert document["marketing_withdrawn_at"] == ""


@pytest.mark.parametrize("reference", ["CPR2Y54K", "23456789", "ZZZZZZZZ"])
def test_the_signature_is_the_one_itsdangerous_makes(reference: str) -> None:
    links = OptOutLinks("a secret key for the opt-out links")
    signer = Signer(links.secret, salt="leadform.marketing-opt-out", digest_method=hashlib.sha256)
    assert links.signature(reference) == signer.get_signature(reference).decode()
    assert links.matches(reference, links.signature(reference))
