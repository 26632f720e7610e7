"""The privacy pages in a real browser against a real server: an administrator erases
a person from /admin/personal-data, and a person presses their opt-out link's button;
axe-core's WCAG 2.2 A/AA rules on every state."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import OpenPage
from leadform.domain.opt_out import OptOutLinks
from tests.factories import PASSWORD, add_staff, insert_leads, lead
from tests.servers import SECRET, Server

Check = Callable[[Page], None]
ADMIN = "dpo@example.com"


def sign_in(page: Page, email: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin")


def test_an_administrator_erases_a_person_after_seeing_what_will_go(
    server: Server, open_page: OpenPage, assert_accessible: Check
) -> None:
    add_staff(server.database, ADMIN, admin=True)
    insert_leads(server.database, [lead(name="陳美玲", phone="+85298765432")])
    page = open_page("en")
    sign_in(page, ADMIN)
    page.get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", name="Erase a person's data")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Phone number, email address or reference").fill("9876 5432")
    page.get_by_role("button", name="Show what would be deleted").click()
    expect(page.get_by_role("cell", name="陳美玲")).to_be_visible()
    assert server.leads(phone="+85298765432")  # nothing gone before the confirmation
    assert_accessible(page)
    page.get_by_role("button", name="Erase 1 lead for good").click()
    expect(page.get_by_role("status")).to_contain_text("Erased 1 lead.")
    assert_accessible(page)
    assert server.leads(phone="+85298765432") == []


def test_a_person_stops_marketing_messages_from_their_link(
    server: Server, open_page: OpenPage, lang: str, assert_accessible: Check
) -> None:
    reference = {"en": "OPTEN234", "zh-hant-hk": "OPTHK234", "zh-hans-cn": "OPTCN234"}[lang]
    insert_leads(server.database, [lead(reference=reference, consent_marketing=1)])
    page = open_page(lang)
    page.goto(OptOutLinks(SECRET).path(reference, lang))
    button = page.locator("form button")
    expect(button).to_have_count(1)
    assert_accessible(page)
    assert server.leads(reference=reference)[0]["marketing_withdrawn_at"] is None
    button.click()
    expect(page.locator("[data-withdrawn]")).to_be_visible()
    assert_accessible(page)
    assert server.leads(reference=reference)[0]["marketing_withdrawn_at"] is not None
