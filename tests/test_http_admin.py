"""Staff sign-in, sessions, throttling, CSRF and the leads page over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from leadform.config import PostgresUrl, Settings
from tests.conftest import ROOT, FakeClock, csrf_token, serve, sign_in
from tests.databases import on_engine, write
from tests.factories import PASSWORD, add_staff, insert_leads, lead

pytestmark = pytest.mark.anyio


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every test here on both engines


@pytest.fixture
async def staff(client: httpx.AsyncClient, settings: Settings) -> int:
    return add_staff(settings.database)


async def signed_in(client: httpx.AsyncClient) -> None:
    response = await sign_in(client)
    assert response.status_code == 303, response.text


# --- who gets in -------------------------------------------------------------------


async def test_admin_pages_redirect_to_login_without_a_session(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin?treatment=acne")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%3Ftreatment%3Dacne"


async def test_sign_in_sets_a_signed_httponly_lax_session_cookie(
    client: httpx.AsyncClient, staff: int
) -> None:
    response = await sign_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("leadform_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie
    assert (await client.get("/admin")).status_code == 200


async def test_secure_cookies_setting_marks_cookies_secure(
    settings: Settings, clock: FakeClock
) -> None:
    from dataclasses import replace

    from asgi_lifespan import LifespanManager

    from leadform.application import create_app

    app = create_app(replace(settings, secure_cookies=True), clock=clock)
    async with LifespanManager(app) as manager:
        add_staff(settings.database)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            response = await sign_in(c)
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert cookies and all("Secure" in cookie for cookie in cookies)


async def test_login_goes_back_to_the_page_asked_for_but_never_off_site(
    client: httpx.AsyncClient, staff: int
) -> None:
    page = await client.get("/admin/login?next=/admin/exports")
    assert 'name="next" value="/admin/exports"' in page.text
    form = {"email": "sales@example.com", "password": PASSWORD, "csrf": csrf_token(page.text)}
    response = await client.post("/admin/login", data={**form, "next": "https://evil.example/"})
    assert response.headers["location"] == "/admin"


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient, staff: int
) -> None:
    wrong = await sign_in(client, password="not the password at all")
    unknown = await sign_in(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email address or password is not right." in wrong.text
    assert "The email address or password is not right." in unknown.text


async def test_disabled_account_cannot_sign_in(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    add_staff(settings.database, disabled=True)
    assert (await sign_in(client)).status_code == 401


async def test_disabling_an_account_ends_its_session_at_once(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    await signed_in(client)
    write(settings.database, [("UPDATE staff SET disabled_at = '2026-11-26T00:00:00Z'", ())])
    assert (await client.get("/admin")).status_code == 303


async def test_login_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, staff: int
) -> None:
    await client.get("/admin/login")  # has the CSRF cookie, but posts no token
    response = await client.post(
        "/admin/login", data={"email": "sales@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "leadform_session" not in response.headers.get("set-cookie", "")


async def test_login_with_a_token_from_another_browser_is_refused(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    attacker_token = csrf_token((await client.get("/admin/login")).text)
    client.cookies.clear()  # the victim's browser: a CSRF cookie of its own
    await client.get("/admin/login")
    response = await client.post(
        "/admin/login",
        data={"email": "sales@example.com", "password": PASSWORD, "csrf": attacker_token},
    )
    assert response.status_code == 403


async def test_logout_needs_post_with_csrf_and_ends_the_session(
    client: httpx.AsyncClient, staff: int
) -> None:
    await signed_in(client)
    page = await client.get("/admin")
    assert (await client.get("/admin/logout")).status_code == 405
    assert (await client.post("/admin/logout", data={"csrf": "forged"})).status_code == 403
    assert (await client.get("/admin")).status_code == 200
    response = await client.post("/admin/logout", data={"csrf": csrf_token(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert (await client.get("/admin")).status_code == 303


async def test_a_session_cookie_kept_after_logout_no_longer_works(
    client: httpx.AsyncClient, staff: int
) -> None:
    await signed_in(client)
    kept = client.cookies.get("leadform_session")
    page = await client.get("/admin")
    await client.post("/admin/logout", data={"csrf": csrf_token(page.text)})
    client.cookies.set("leadform_session", kept or "", path="/admin")
    assert (await client.get("/admin")).status_code == 303


async def test_forged_session_cookie_is_ignored(client: httpx.AsyncClient, staff: int) -> None:
    client.cookies.set("leadform_session", "made-up.signature", path="/admin")
    assert (await client.get("/admin")).status_code == 303


# --- throttling --------------------------------------------------------------------


async def test_five_failures_for_an_account_block_it_for_fifteen_minutes(
    client: httpx.AsyncClient, clock: FakeClock, staff: int
) -> None:
    for _ in range(5):
        assert (await sign_in(client, password="wrong password!")).status_code == 401
    blocked = await sign_in(client)  # even the right password
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "900"
    assert "Too many failed sign-ins" in blocked.text
    clock.advance(14 * 60)
    assert (await sign_in(client)).status_code == 429
    clock.advance(61)
    assert (await sign_in(client)).status_code == 303


async def test_five_failures_from_an_address_block_other_accounts_too(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    add_staff(settings.database, "other@example.com")
    for number in range(5):
        await sign_in(client, email=f"guess{number}@example.com")
    assert (await sign_in(client, email="other@example.com")).status_code == 429


async def test_throttle_is_shared_by_instances_on_one_database(
    settings: Settings, clock: FakeClock, staff: int
) -> None:
    from asgi_lifespan import LifespanManager

    from leadform.application import create_app

    async def attempt(app_index: int) -> int:
        app = apps[app_index]
        transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return (await sign_in(c, password="wrong password!")).status_code

    managers = [LifespanManager(create_app(settings, clock=clock)) for _ in range(2)]
    async with managers[0] as first, managers[1] as second:
        apps = [first.app, second.app]
        codes = [await attempt(n % 2) for n in range(7)]
    assert codes == [401] * 5 + [429, 429]


async def test_a_success_clears_the_accounts_earlier_failures(
    client: httpx.AsyncClient, staff: int
) -> None:
    for _ in range(4):
        await sign_in(client, password="wrong password!")
    assert (await sign_in(client)).status_code == 303
    client.cookies.clear()
    for _ in range(4):  # without the clearing, the first of these would be the fifth
        assert (await sign_in(client, password="wrong password!")).status_code == 401
    assert (await sign_in(client)).status_code == 303


async def test_a_success_clears_the_failures_of_colleagues_behind_the_same_address(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    for email in ("amy@example.com", "ben@example.com", "cat@example.com"):
        add_staff(settings.database, email)
    for email in ("amy@example.com", "amy@example.com", "ben@example.com", "ben@example.com"):
        assert (await sign_in(client, email=email, password="typo typo typo")).status_code == 401
    assert (await sign_in(client, email="cat@example.com")).status_code == 303
    client.cookies.clear()
    assert (await sign_in(client, email="ben@example.com", password="typo")).status_code == 401
    assert (await sign_in(client, email="amy@example.com")).status_code == 303


async def test_a_success_clears_the_accounts_failures_from_other_addresses(
    settings: Settings, clock: FakeClock, staff: int
) -> None:
    async def attempt(number: int, password: str | None = None) -> int:
        async with serve(settings, clock, peer=(f"198.51.100.{number}", 4000)) as c:
            return (await sign_in(c, password=password)).status_code

    for number in range(4):
        assert await attempt(number, "wrong password!") == 401
    assert await attempt(50) == 303
    for number in range(4, 8):
        assert await attempt(number, "wrong password!") == 401
    assert await attempt(51) == 303


async def test_five_failures_after_a_success_still_block(
    client: httpx.AsyncClient, staff: int
) -> None:
    assert (await sign_in(client)).status_code == 303
    client.cookies.clear()
    for _ in range(5):
        assert (await sign_in(client, password="wrong password!")).status_code == 401
    assert (await sign_in(client)).status_code == 429


async def test_a_success_on_one_instance_clears_failures_counted_by_another(
    settings: Settings, clock: FakeClock, staff: int
) -> None:
    from asgi_lifespan import LifespanManager

    from leadform.application import create_app

    async def attempt(app_index: int, password: str | None = "wrong password!") -> int:
        transport = httpx.ASGITransport(app=apps[app_index], client=("198.51.100.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return (await sign_in(c, password=password)).status_code

    managers = [LifespanManager(create_app(settings, clock=clock)) for _ in range(2)]
    async with managers[0] as first, managers[1] as second:
        apps = [first.app, second.app]
        before = [await attempt(0) for _ in range(4)]
        success = await attempt(1, password=None)
        after = [await attempt(0) for _ in range(5)]
        blocked = await attempt(1, password=None)
    assert before == [401] * 4 and success == 303
    assert after == [401] * 5 and blocked == 429


# --- headers and languages ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/login", "/admin", "/admin/exports", "/admin/leads.csv"])
async def test_admin_responses_are_not_frameable_or_cacheable(
    client: httpx.AsyncClient, staff: int, path: str
) -> None:
    await signed_in(client)
    response = await client.get(path)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


async def test_login_page_speaks_traditional_chinese(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/login", headers={"Accept-Language": "zh-HK"})
    assert '<html lang="zh-Hant-HK">' in page.text
    assert "職員登入" in page.text


async def test_chosen_language_is_remembered_for_later_pages(client: httpx.AsyncClient) -> None:
    await client.get("/admin/login?lang=zh-hant-hk")
    page = await client.get("/admin/login", headers={"Accept-Language": "en"})
    assert '<html lang="zh-Hant-HK">' in page.text


# --- browsing ----------------------------------------------------------------------


def lead_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-lead-id="(\d+)"', html)]


async def test_leads_are_listed_newest_first_in_clinic_time(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    ids = insert_leads(
        settings.database,
        [lead(name="陳大文", created_at=datetime(2026, 11, 25, 16, 30, tzinfo=UTC)), lead()],
    )
    await signed_in(client)
    page = await client.get("/admin")
    assert lead_ids(page.text) == ids[::-1]
    assert "陳大文" in page.text
    assert 'datetime="2026-11-26T00:30:00+08:00"' in page.text


async def test_the_language_column_shows_each_languages_own_name(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    insert_leads(settings.database, [lead(locale="zh-Hant-HK"), lead(locale="en")])
    await signed_in(client)
    page = (await client.get("/admin?lang=zh-hant-hk")).text
    assert '<td lang="zh-Hant-HK">繁體中文</td>' in page
    assert '<td lang="en">English</td>' in page


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("en", "Nov 26, 2026, 21:34"),
        ("zh-hant-hk", "2026年11月26日 21:34"),
        ("zh-hans-cn", "2026年11月26日 21:34"),
    ],
)
async def test_times_are_unambiguous_with_a_24_hour_clock_in_every_language(
    client: httpx.AsyncClient, settings: Settings, staff: int, lang: str, shown: str
) -> None:
    insert_leads(settings.database, [lead(created_at=datetime(2026, 11, 26, 13, 34, tzinfo=UTC))])
    await signed_in(client)
    page = (await client.get(f"/admin?lang={lang}")).text
    assert f'<time datetime="2026-11-26T21:34:00+08:00">{shown}</time>' in page


async def test_pages_follow_the_keyset_and_not_offsets(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    ids = insert_leads(settings.database, [lead() for _ in range(120)])
    await signed_in(client)
    first = await client.get("/admin")
    assert lead_ids(first.text) == ids[::-1][:50]
    older = re.search(r'href="/admin(\?before=\d+)" rel="next"', first.text)
    assert older
    second = await client.get("/admin" + older.group(1))
    assert lead_ids(second.text) == ids[::-1][50:100]


def page_link(html: str, rel: str) -> str:
    found = re.search(rf'href="/admin(\?[^"]*)" rel="{rel}"', html)
    assert found, f"no {rel} link"
    return found.group(1).replace("&amp;", "&")


async def test_older_pages_link_back_to_newer_ones_by_keyset(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    ids = insert_leads(settings.database, [lead() for _ in range(120)])
    newest_first = ids[::-1]
    await signed_in(client)
    first = (await client.get("/admin?treatment=acne")).text
    assert 'rel="prev"' not in first and "Newest leads" not in first
    second = (await client.get("/admin" + page_link(first, "next"))).text
    third = (await client.get("/admin" + page_link(second, "next"))).text
    assert lead_ids(third) == newest_first[100:]
    assert "offset" not in page_link(third, "prev")
    back_to_second = (await client.get("/admin" + page_link(third, "prev"))).text
    assert lead_ids(back_to_second) == newest_first[50:100]
    assert "treatment=acne" in page_link(back_to_second, "prev")
    back_to_first = (await client.get("/admin" + page_link(back_to_second, "prev"))).text
    assert lead_ids(back_to_first) == newest_first[:50]
    assert 'rel="prev"' not in back_to_first
    assert re.search(r'href="/admin\?treatment=acne">Newest leads</a>', third)


async def test_newer_pages_stay_full_and_end_at_the_newest_page(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    ids = insert_leads(settings.database, [lead() for _ in range(60)])
    await signed_in(client)
    oldest = (await client.get(f"/admin?before={ids[10]}")).text
    assert lead_ids(oldest) == ids[:10][::-1]
    every = ids + insert_leads(settings.database, [lead() for _ in range(70)])  # meanwhile
    newer = (await client.get("/admin" + page_link(oldest, "prev"))).text
    assert lead_ids(newer) == every[10:60][::-1]
    newer = (await client.get("/admin" + page_link(newer, "prev"))).text
    assert lead_ids(newer) == every[60:110][::-1]
    # Only 20 newer leads are left: the newest page (50 leads) is shown instead.
    newest = (await client.get("/admin" + page_link(newer, "prev"))).text
    assert lead_ids(newest) == every[-50:][::-1]
    assert 'rel="prev"' not in newest


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("treatment=milia", {"milia-zh"}),
        ("locale=zh-Hant-HK", {"milia-zh"}),
        ("marketing=yes", {"milia-zh"}),
        ("marketing=no", {"acne-en", "old"}),
        ("q=CHAN", {"acne-en"}),
        ("q=9876+5432", {"milia-zh"}),
        ("q=wong%40example", {"milia-zh"}),
        ("q=%25", set()),
        ("from=2026-11-20&to=2026-11-20", {"old"}),
        ("from=2026-11-21", {"acne-en", "milia-zh"}),
    ],
)
async def test_filters_and_search(
    client: httpx.AsyncClient, settings: Settings, staff: int, query: str, expected: set[str]
) -> None:
    insert_leads(
        settings.database,
        [
            lead(reference="old", created_at=datetime(2026, 11, 20, 15, 59, tzinfo=UTC)),
            lead(reference="acne-en", name="Chan Tai Man"),
            lead(
                reference="milia-zh",
                name="王小明",
                phone="+85298765432",
                email="wong@example.com",
                treatment="milia",
                locale="zh-Hant-HK",
                consent_marketing=1,
            ),
        ],
    )
    await signed_in(client)
    page = await client.get(f"/admin?{query}")
    assert set(re.findall(r'class="reference-cell">([^<]+)<', page.text)) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("CPR2Y54K", {"CPR2Y54K"}),  # the reference the thank-you page shows
        ("cpr2y54k", {"CPR2Y54K"}),
        ("+852 9123 4567", {"CPR2Y54K"}),  # the form's own example format
        ("(852) 9123-4567", {"CPR2Y54K"}),
        ("+852-9123-4567", {"CPR2Y54K"}),
        ("852 9123 4567", {"CPR2Y54K"}),
        ("00852 9123 4567", {"CPR2Y54K"}),
        ("９１２３ ４５６７", {"CPR2Y54K"}),  # full-width, from a Chinese input method
        ("4567", {"CPR2Y54K"}),
        ("陳", {"CPR2Y54K"}),
        ("CHAN@EXAMPLE", {"CPR2Y54K"}),
        ("Ho 2", {"K7M3Q9WX"}),  # a name with a digit does not match every phone with a 2
        ("+852 6000 0000", set()),
    ],
)
async def test_search_finds_references_names_emails_and_phones_as_staff_type_them(
    client: httpx.AsyncClient, settings: Settings, staff: int, search: str, expected: set[str]
) -> None:
    insert_leads(
        settings.database,
        [
            lead(reference="CPR2Y54K", name="陳大文", email="chan@example.com"),
            lead(reference="K7M3Q9WX", name="Ho 2", phone="+85262222222"),
        ],
    )
    await signed_in(client)
    page = await client.get("/admin", params={"q": search})
    assert set(re.findall(r'class="reference-cell">([^<]+)<', page.text)) == expected


async def test_a_plus_sent_unencoded_in_the_address_still_finds_the_phone(
    client: httpx.AsyncClient, settings: Settings, staff: int
) -> None:
    insert_leads(settings.database, [lead(reference="CPR2Y54K")])
    await signed_in(client)
    page = await client.get("/admin?q=+852+9123+4567")  # the + arrives as a space
    assert re.findall(r'class="reference-cell">([^<]+)<', page.text) == ["CPR2Y54K"]


async def test_bad_filter_values_get_a_message_not_an_error(
    client: httpx.AsyncClient, staff: int
) -> None:
    await signed_in(client)
    page = await client.get("/admin?from=soon&treatment=botox")
    assert page.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in page.text


async def test_chart_shows_the_last_30_days_per_treatment_as_inline_svg(
    client: httpx.AsyncClient, settings: Settings, clock: FakeClock, staff: int
) -> None:
    now = clock.now
    insert_leads(
        settings.database,
        [
            lead(created_at=now - timedelta(days=1)),
            lead(created_at=now - timedelta(days=1), treatment="milia"),
            lead(created_at=now - timedelta(days=1)),
            lead(created_at=now - timedelta(days=40)),  # outside the chart
        ],
    )
    await signed_in(client)
    page = await client.get("/admin")
    assert "<svg" in page.text and "<script" not in page.text
    assert "Leads per day for the last 30 days: 3" in page.text
    assert re.search(r"<title>[^<]*Acne: 2</title>", page.text)
    assert re.search(r"<title>[^<]*Milia: 1</title>", page.text)


@pytest.mark.parametrize(("lang", "label"), [("en", "Nov 26"), ("zh-hant-hk", "11月26日")])
async def test_chart_dates_spell_out_the_month_in_the_page_language(
    client: httpx.AsyncClient, staff: int, lang: str, label: str
) -> None:
    await signed_in(client)
    page = (await client.get(f"/admin?lang={lang}")).text
    assert re.search(rf'text-anchor="middle" fill="#52606d">{label}</text>', page)


async def test_chart_labels_stay_readable_on_a_phone(client: httpx.AsyncClient, staff: int) -> None:
    """A 390 px phone used to shrink the 720-unit drawing to about half, and its
    10-unit labels to ~5 px. The stylesheet now keeps the chart at least its drawn
    width (scrolling sideways instead), so a unit is never less than a pixel."""
    from leadform.web.chart import FONT_SIZE, WIDTH

    await signed_in(client)
    page = (await client.get("/admin")).text
    svg = re.search(
        r'<div class="chart-scroll">\s*<svg viewBox="0 0 (\d+) \d+"[^>]*font-size="(\d+)"', page
    )
    assert svg and (int(svg.group(1)), int(svg.group(2))) == (WIDTH, FONT_SIZE)
    assert "font-size=" not in page[svg.end() : page.index("</svg>")]  # no smaller override
    css = (ROOT / "leadform" / "static" / "admin.css").read_text()
    scroller = re.search(r"\.chart-scroll \{([^}]*)\}", css)
    drawing = re.search(r"\.chart-svg \{([^}]*)\}", css)
    assert scroller and "overflow-x: auto" in scroller.group(1)
    assert drawing
    min_width = re.search(r"min-width: (\d+)px", drawing.group(1))
    assert min_width
    smallest_label_px = FONT_SIZE * int(min_width.group(1)) / WIDTH
    assert smallest_label_px >= 12


async def test_admin_shows_the_notification_summary_and_backlog(
    client: httpx.AsyncClient, settings: Settings, clock: FakeClock, staff: int
) -> None:
    [lead_id] = insert_leads(settings.database, [lead(created_at=clock.now)])
    queued = (clock.now - timedelta(minutes=20)).isoformat()
    sql = (
        "INSERT INTO notifications (delivery_id, lead_id, channel, target, status, "
        "created_at, window_started_at, next_attempt_at, attempts, last_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    outcomes = [
        ("d1", "webhook", "https://crm.example/hook", "pending", 3, "HTTP 503"),
        ("d2", "email", "team@example.com", "delivered", 1, ""),
    ]
    write(
        settings.database,
        [
            (sql, (key, lead_id, channel, target, status, queued, queued, queued, tries, error))
            for key, channel, target, status, tries, error in outcomes
        ],
    )
    await signed_in(client)
    page = (await client.get("/admin")).text
    assert "Notifications have been waiting for more than 15 minutes" in page
    assert "<tr><td>Webhooks</td><td>1</td><td>0</td><td>0</td></tr>" in page
    assert "<tr><td>Emails</td><td>0</td><td>1</td><td>0</td></tr>" in page
    assert "HTTP 503" in page
    chinese = (await client.get("/admin?lang=zh-hant-hk")).text
    assert "<tr><td>Webhook</td><td>1</td><td>0</td><td>0</td></tr>" in chinese
    assert "<tr><td>電郵</td><td>0</td><td>1</td><td>0</td></tr>" in chinese
    assert re.search(r"· Webhook · 待發送 ·", chinese)
    assert not re.search(r">\s*(?:email|webhook|pending|failed|delivered)\b", chinese)


async def test_admin_without_notifications_shows_no_summary(
    client: httpx.AsyncClient, staff: int
) -> None:
    await signed_in(client)
    assert "Notifications" not in (await client.get("/admin")).text
