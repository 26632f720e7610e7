"""Every page in every language; a language added by a folder; Simplified Chinese; en-XA."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import opencc
import pytest
from asgi_lifespan import LifespanManager
from babel.dates import format_date
from babel.messages.pofile import read_po, write_po

from leadform.application import create_app
from leadform.config import Settings, load_settings
from leadform.domain.leads import Attribution, Lead
from leadform.i18n.catalogs import entries
from leadform.i18n.languages import Language, load_languages
from leadform.i18n.pseudo import pseudo_translate
from leadform.notifications.lead_email import compose_lead_email, lead_summary
from leadform.web.templating import create_environment
from tests.conftest import A_BOOKABLE_DAY, ROOT, FakeClock, csrf_token, form_token, sign_in
from tests.factories import add_staff, insert_leads, lead

pytestmark = pytest.mark.anyio

TEMPLATES = ROOT / "leadform" / "templates"
LANGUAGES = [lang.url_tag for lang in load_languages(ROOT / "locales", "en").all]
VALID = {
    "name": "Chan Tai Man",
    "phone": "9123 4567",
    "email": "chan@example.com",
    "treatment": "acne",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": "yes",
}


class Site(httpx.AsyncClient):
    """A client of one app, knowing the app's settings (the staff visits need its database)."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(**options)
        self.settings = settings


@asynccontextmanager
async def serving(
    environ: dict[str, str], clock: FakeClock, **overrides: str
) -> AsyncIterator[Site]:
    settings = load_settings(environ | overrides)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=("203.0.113.9", 5000))
        async with Site(settings, transport=transport, base_url="http://testserver") as c:
            yield c


class VisibleText(HTMLParser):
    """The text a visitor sees or hears: text nodes and the attributes read aloud."""

    SPOKEN = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def english_fragments() -> set[str]:
    """The English words of every msgid, split at placeholders and tags."""
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        msgids = [m.id if isinstance(m.id, str) else m.id[0] for m in entries(read_po(handle))]
    pieces = (re.split(r"%\(\w+\)\w|\{\w+\}|<[^>]+>", msgid) for msgid in msgids)
    return {p.strip() for piece in pieces for p in piece if sum(c.isalpha() for c in p) >= 4}


# --- how to reach each page template ---------------------------------------------


async def register_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    return await c.get(f"/{tag}/register")


async def register_with_errors(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    token = form_token((await c.get(f"/{tag}/register")).text)
    clock.advance(10)
    data = {"token": token, "email": "not-an-email", "preferred_date": "2030-01-01"}
    response = await c.post(f"/{tag}/register", data=data)
    assert response.status_code == 422
    return response


async def register_with_notice(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    response = await c.post(f"/{tag}/register", data=VALID | {"token": "forged"})
    assert response.status_code == 400
    return response


async def thanks_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    token = form_token((await c.get(f"/{tag}/register")).text)
    clock.advance(10)
    posted = await c.post(f"/{tag}/register", data=VALID | {"token": token})
    assert posted.status_code == 303
    return await c.get(posted.headers["location"])


async def not_found_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    response = await c.get(f"/{tag}/no-such-page")
    assert response.status_code == 404
    return response


async def terms_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    return await c.get(f"/{tag}/terms")


async def privacy_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    return await c.get(f"/{tag}/privacy")


# The staff pages take their language from ?lang= (then a cookie, then the browser).


async def staff_login_failed(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    page = await c.get(f"/admin/login?lang={tag}")
    data = {"email": "sales@example.com", "password": "wrong", "csrf": csrf_token(page.text)}
    response = await c.post(f"/admin/login?lang={tag}", data=data)
    assert response.status_code in (400, 401, 403, 422), response.status_code
    return response


async def staff_signed_in(c: Site) -> None:
    add_staff(c.settings.database)
    assert (await sign_in(c)).status_code == 303


async def staff_leads_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    """Leads, the chart, and "new since my last export" after an export."""
    await staff_signed_in(c)
    database = c.settings.database
    insert_leads(database, [lead(name="陳大文", email="chan@example.com")])
    assert (await c.get("/admin/leads.csv")).status_code == 200
    insert_leads(database, [lead(name="李小明", email="lee@example.com", treatment="milia")])
    return await c.get(f"/admin?lang={tag}")


async def staff_leads_with_filter_errors(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    await staff_signed_in(c)
    query = "from=2026-13-01&to=x&treatment=laser&locale=xx&marketing=maybe"
    return await c.get(f"/admin?lang={tag}&{query}")


async def staff_exports_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    await staff_signed_in(c)
    assert (await c.get("/admin/leads.csv?treatment=acne")).status_code == 200
    return await c.get(f"/admin/exports?lang={tag}")


async def admin_privacy_preview(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    """The administrators' page with what an erasure would delete and a receipt."""
    add_staff(c.settings.database, "dpo@example.com", admin=True)
    assert (await sign_in(c, "dpo@example.com")).status_code == 303
    people = [lead(name="陳大文", phone="+85298765432", email="chan@example.com") for _ in "12"]
    insert_leads(c.settings.database, people)
    page = await c.get(f"/admin/personal-data?lang={tag}")
    form = {"csrf": csrf_token(page.text), "kind": "phone", "value": "98765432"}
    await c.post(f"/admin/personal-data/erase?lang={tag}", data={**form, "confirm": "erase"})
    insert_leads(c.settings.database, [lead(name="陳小明", phone="+85298765432", email="")])
    return await c.post(f"/admin/personal-data/erase?lang={tag}", data=form)


async def admin_privacy_receipt(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    add_staff(c.settings.database, "dpo@example.com", admin=True)
    assert (await sign_in(c, "dpo@example.com")).status_code == 303
    insert_leads(c.settings.database, [lead(name="陳大文", phone="+85298765432", email="")])
    assert (await c.get("/admin/leads.csv")).status_code == 200
    page = await c.get(f"/admin/personal-data?lang={tag}")
    form = {"csrf": csrf_token(page.text), "kind": "phone", "value": "98765432"}
    return await c.post(f"/admin/personal-data/erase?lang={tag}", data={**form, "confirm": "erase"})


async def admin_privacy_refused(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    await staff_signed_in(c)
    return await c.get(f"/admin/personal-data?lang={tag}")


async def opt_out_page(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    insert_leads(c.settings.database, [lead(reference="CPR2Y54K", consent_marketing=1)])
    return await c.get(c.settings.opt_out_links.path("CPR2Y54K", tag))


async def opt_out_done(c: Site, tag: str, clock: FakeClock) -> httpx.Response:
    insert_leads(c.settings.database, [lead(reference="CPR2Y54K", consent_marketing=1)])
    return await c.post(c.settings.opt_out_links.path("CPR2Y54K", tag))


Visit = Callable[[Site, str, FakeClock], Awaitable[httpx.Response]]
PAGES: dict[str, list[Visit]] = {
    "register.html": [register_page, register_with_errors, register_with_notice],
    "thanks.html": [thanks_page],
    "message.html": [not_found_page],
    "terms.html": [terms_page],
    "privacy.html": [privacy_page],
    "admin/login.html": [staff_login_failed],
    "admin/leads.html": [staff_leads_page, staff_leads_with_filter_errors],
    "admin/exports.html": [staff_exports_page],
    "admin/privacy.html": [admin_privacy_preview, admin_privacy_receipt, admin_privacy_refused],
    "opt_out.html": [opt_out_page, opt_out_done],
}
VISITS = [(template, visit) for template, visits in PAGES.items() for visit in visits]


EMAILS = {"email/lead.html"}
FILES = {"subject_access.html"}  # written by `leadform subject-export` (test_subject_access.py)


def test_every_template_is_rendered_by_these_tests() -> None:
    templates = {
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_") and path.name != "base.html"
    }
    assert templates == set(PAGES) | EMAILS | FILES


@pytest.mark.parametrize("tag", [t for t in LANGUAGES if t != "en"])
@pytest.mark.parametrize(("template", "visit"), VISITS, ids=[v.__name__ for _, v in VISITS])
async def test_every_page_is_fully_translated(
    environ: dict[str, str], clock: FakeClock, tag: str, template: str, visit: Visit
) -> None:
    async with serving(environ, clock) as c:
        response = await visit(c, tag, clock)
    assert response.status_code < 500
    text = "\n".join(visible_texts(response.text))
    left = sorted(fragment for fragment in english_fragments() if fragment in text)
    assert left == [], f"{template} in {tag} shows English"


@pytest.mark.parametrize(("template", "visit"), VISITS, ids=[v.__name__ for _, v in VISITS])
async def test_every_page_renders_in_english(
    environ: dict[str, str], clock: FakeClock, template: str, visit: Visit
) -> None:
    async with serving(environ, clock) as c:
        response = await visit(c, "en", clock)
    assert response.status_code < 500
    assert '<html lang="en">' in response.text


# --- the staff email (email/lead.html) ---------------------------------------------------

LEAD = Lead(
    id=7,
    reference="ABCD2345",
    created_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
    locale="en",
    name=VALID["name"],
    phone="+85291234567",
    email=VALID["email"],
    treatment="milia",
    preferred_date=date(2026, 12, 1),
    consent_marketing=True,
    attribution=Attribution(
        utm_source="facebook",
        page_url="https://clinic.example/offer",
        referrer="https://search.example/",
    ),
)


def staff_email(language: Language) -> tuple[str, list[str]]:
    """The subject and the texts of both parts of the staff email in `language`."""
    message = compose_lead_email(
        LEAD,
        language=language,
        zone=ZoneInfo("Asia/Hong_Kong"),
        env=create_environment(),
        sender="leads@clinic.example",
        recipients="team@clinic.example",
        delivery_id="3f1c2d7e-0000-4000-8000-000000000001",
        now=datetime(2026, 11, 26, 2, 0, 5, tzinfo=UTC),
    )
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    texts = visible_texts(html.get_content()) + plain.get_content().splitlines()
    return str(message["Subject"]), [text for text in texts if text.strip()]


@pytest.mark.parametrize("tag", [t for t in LANGUAGES if t != "en"])
def test_the_staff_email_is_fully_translated(tag: str) -> None:
    language = load_languages(ROOT / "locales", "en").exact(tag)
    assert language is not None
    subject, texts = staff_email(language)
    text = "\n".join([subject, *texts])
    assert sorted(f for f in english_fragments() if f in text) == []


def test_the_staff_email_in_the_pseudo_locale_has_no_plain_wording() -> None:
    language = load_languages(ROOT / "locales", "en", pseudo=True).exact("en-xa")
    assert language is not None
    subject, texts = staff_email(language)
    data = {row.value for row in lead_summary(LEAD, language, ZoneInfo("Asia/Hong_Kong"))}
    # The plain part's lines are "label: value"; only the label is wording.
    words = [
        text.removesuffix(f": {value}")
        for text in texts
        for value in data
        if text.endswith(f": {value}")
    ]
    others = [text for text in texts if not any(text.endswith(f": {v}") for v in data)]
    plain = [t for t in [subject, *words, *others] if "[" not in t and t not in data]
    assert plain == []


# --- Simplified Chinese ---------------------------------------------------------------


async def test_simplified_pages_show_simplified_text_and_dates(
    environ: dict[str, str], clock: FakeClock
) -> None:
    async with serving(environ, clock) as c:
        html = (await c.get("/zh-hans-cn/register")).text
    assert '<html lang="zh-Hans-CN">' in html
    assert "1分钟自助登记" in html and "免费体验" in html
    earliest = format_date(date(2026, 11, 27), format="medium", locale="zh_Hans_CN")
    assert f"请选择 {earliest} 至" in html
    # no Traditional character left, but in the switch's name of Traditional Chinese
    text = "".join(t for t in visible_texts(html) if t != "繁體中文")
    assert opencc.OpenCC("t2s").convert(text) == text


def test_the_simplified_catalog_has_no_traditional_character() -> None:
    with (ROOT / "locales" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        strings = [m.string for m in entries(read_po(f)) if isinstance(m.string, str)]
    to_simplified = opencc.OpenCC("t2s")
    assert [s for s in strings if to_simplified.convert(s) != s] == []


async def test_language_switch_names_each_language_in_itself(
    environ: dict[str, str], clock: FakeClock
) -> None:
    async with serving(environ, clock) as c:
        html = (await c.get("/zh-hans-cn/register")).text
    assert '<span aria-current="true" lang="zh-Hans-CN">简体中文</span>' in html
    assert ">繁體中文</a>" in html and ">English</a>" in html
    assert 'hreflang="zh-Hans-CN" href="http://testserver/zh-hans-cn/register"' in html


@pytest.mark.parametrize("header", ["zh-CN", "zh-SG,en;q=0.5", "zh-Hans"])
async def test_mainland_and_singapore_browsers_reach_simplified(
    environ: dict[str, str], clock: FakeClock, header: str
) -> None:
    async with serving(environ, clock) as c:
        response = await c.get("/", headers={"Accept-Language": header})
    assert response.headers["location"] == "/zh-hans-cn/register"


# --- a new language is a folder ---------------------------------------------------------


def add_vietnamese(locales: Path) -> None:
    """What `make new-language LANG=vi` and a translator's first two strings do."""
    with (locales / "messages.pot").open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    catalog.fuzzy = False
    catalog["1 Minute Self-Registration"].string = "Đăng ký nhanh 1 phút"
    catalog["Free trial"].string = "Dùng thử miễn phí"
    folder = locales / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalog)


async def test_a_new_language_folder_is_served_without_code_changes(
    tmp_path: Path, environ: dict[str, str], clock: FakeClock
) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    add_vietnamese(locales)
    # A few strings translated: live only with the coverage threshold turned off.
    live = {"LEADFORM_LOCALES_DIR": str(locales), "LEADFORM_MIN_TRANSLATED": "0"}
    async with serving(environ, clock, **live) as c:
        page = await c.get("/vi/register")
        negotiated = await c.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
        thanks = await thanks_page(c, "vi", clock)
    assert page.status_code == 200 and '<html lang="vi">' in page.text
    assert "Đăng ký nhanh 1 phút" in page.text and "Dùng thử miễn phí" in page.text
    assert "Register for my free trial" in page.text  # untranslated: English
    assert '<span aria-current="true" lang="vi">Tiếng Việt</span>' in page.text
    assert negotiated.headers["location"] == "/vi/register"
    assert thanks.status_code == 200


# References (REF00001), emails, filters as kept in the export log (treatment=acne),
# the export format, dates, times and the chart's days in English (CLDR's en for en-XA).
DATA = re.compile(
    r"[A-Z0-9-]+|\S+@\S+|\w+=\w*|CSV|XLSX|"
    r"[A-Z][a-z]{2} \d{1,2}(, \d{4})?(, \d{1,2}:\d{2}(:\d{2})?(\s?[AP]M)?)?"
)


# --- the pseudo-locale -------------------------------------------------------------------


async def test_pseudo_locale_is_off_by_default(environ: dict[str, str], clock: FakeClock) -> None:
    async with serving(environ, clock) as c:
        response = await c.get("/en-xa/register")
    assert response.status_code == 301
    assert response.headers["location"] == "http://testserver/en/register"


@pytest.mark.parametrize(("template", "visit"), VISITS, ids=[v.__name__ for _, v in VISITS])
async def test_pseudo_pages_show_only_pseudo_translated_text(
    environ: dict[str, str], clock: FakeClock, template: str, visit: Visit
) -> None:
    """Any plain text left on an en-XA page is text that bypasses the catalog."""
    async with serving(environ, clock, LEADFORM_PSEUDO_LOCALE="1") as c:
        response = await visit(c, "en-xa", clock)
    assert response.status_code < 500
    assert '<html lang="en-XA">' in response.text
    names = {"English", "繁體中文", "简体中文", pseudo_translate("English")}
    plain = [
        text
        for text in visible_texts(response.text)
        if text not in names and re.search(r"[A-Za-z]{3}", text) and "[" not in text
    ]
    # What visitors typed and what the service generates are data, not wording.
    data = {VALID["name"], format_date(date(2026, 12, 1), locale="en")}
    assert [t for t in plain if t not in data and not DATA.fullmatch(t)] == []


async def test_pseudo_locale_is_reached_only_by_its_own_tag(
    environ: dict[str, str], clock: FakeClock
) -> None:
    async with serving(environ, clock, LEADFORM_PSEUDO_LOCALE="1") as c:
        english = await c.get("/", headers={"Accept-Language": "en-US"})
        pseudo = await c.get("/", headers={"Accept-Language": "en-XA"})
        page = await c.get("/en-xa/register")
    assert english.headers["location"] == "/en/register"
    assert pseudo.headers["location"] == "/en-xa/register"
    assert pseudo_translate("1 Minute Self-Registration") in page.text
    assert (
        pseudo_translate("Choose a day from %(earliest)s to %(latest)s.")
        % {
            "earliest": "Nov 27, 2026",
            "latest": "Feb 24, 2027",
        }
        in page.text
    )


async def test_pseudo_locale_without_a_template_refuses_to_start(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    from leadform.i18n.languages import CatalogError

    with pytest.raises(CatalogError, match=r"LEADFORM_PSEUDO_LOCALE: .*messages\.pot is missing"):
        load_languages(tmp_path, "en", pseudo=True)
