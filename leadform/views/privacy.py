"""The administrators' privacy page: erase one person's data (look up, see what will
be deleted, confirm), the erasure receipts, and the retention setting.

Every step is a CSRF-protected POST, so the identifier never sits in a URL (logs,
browser history); only administrators get past the first check.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from leadform.domain.actors import Actor
from leadform.domain.subjects import EMAIL, PHONE, REFERENCE, Subject
from leadform.i18n.messages import N_, Message
from leadform.privacy.erasure import erase_subject, preview_erasure
from leadform.privacy.retention import purge_due_at
from leadform.registration.subjects import read_subject
from leadform.storage.erasure import list_erasures
from leadform.storage.staff import Staff
from leadform.views.body import read_form
from leadform.views.context import app_context
from leadform.views.staff_pages import csrf_ok, login_redirect, render_admin, signed_in_staff

KINDS = ((PHONE, N_("Phone number")), (EMAIL, N_("Email address")), (REFERENCE, N_("Reference")))
ADMINS_ONLY = Message(N_("Only administrators can erase a person's data. Ask an administrator."))
EXPIRED = Message(N_("This form has expired. Please try again."))


_BLANK: dict[str, Any] = {
    "problem": None,
    "error": None,
    "plan": None,
    "receipt": None,
    "kind": PHONE,
    "value": "",
    "erasures": [],
    "retention": None,
}


def _page(request: Request, staff: Staff, *, status: int = 200, **context: Any) -> Response:
    shown = {**_BLANK, **context}
    return render_admin(
        request, "admin/privacy.html", status=status, staff=staff, kinds=KINDS, **shown
    )


async def _overview(request: Request, staff: Staff, **context: Any) -> dict[str, Any]:
    """What the page always shows: the retention setting and the erasure receipts."""
    ctx = app_context(request)
    days = ctx.settings.retention_days
    next_run = await purge_due_at(ctx.db, ctx.clock(), ctx.settings.timezone) if days else None
    return {
        "erasures": await list_erasures(ctx.db.reader),
        "retention": {"days": days, "next_run": next_run},
        **context,
    }


async def administrator(request: Request) -> Staff | Response:
    """The signed-in administrator, or the answer for anyone else: sign in first;
    ordinary staff get a 403 saying who may erase."""
    staff = await signed_in_staff(request)
    if staff is None:
        return login_redirect(request)
    if not staff.admin:
        return _page(request, staff, status=403, problem=ADMINS_ONLY)
    return staff


async def privacy_page(request: Request) -> Response:
    staff = await administrator(request)
    if isinstance(staff, Response):
        return staff
    return _page(request, staff, **await _overview(request, staff))


async def erase_page(request: Request) -> Response:
    staff = await administrator(request)
    if isinstance(staff, Response):
        return staff
    form = await read_form(request)  # a BodyError answers 400/415 itself
    kind = form.get("kind", "") if form.get("kind", "") in (PHONE, EMAIL, REFERENCE) else PHONE
    value = form.get("value", "")[:254]
    if not csrf_ok(request, form.get("csrf", "")):
        context = await _overview(request, staff, kind=kind, value=value)
        return _page(request, staff, status=403, problem=EXPIRED, **context)
    subject = read_subject(kind, value)
    if isinstance(subject, Message):
        context = await _overview(request, staff, kind=kind, value=value, error=subject)
        return _page(request, staff, status=400, **context)
    if form.get("confirm") == "erase":
        return await _erase(request, staff, subject)
    return await _preview(request, staff, subject, value)


async def _preview(request: Request, staff: Staff, subject: Subject, value: str) -> Response:
    ctx = app_context(request)
    settings = ctx.settings
    plan = await preview_erasure(ctx.db, settings.secret_key, subject, settings.timezone)
    context = await _overview(request, staff, kind=subject.kind, value=value, plan=plan)
    return _page(request, staff, **context)


async def _erase(request: Request, staff: Staff, subject: Subject) -> Response:
    ctx = app_context(request)
    settings = ctx.settings
    actor = Actor("staff", staff.email, staff_id=staff.id)
    erased = await erase_subject(
        ctx.db, settings.secret_key, subject, actor, ctx.clock(), settings.timezone
    )
    context = await _overview(request, staff, kind=subject.kind, receipt=erased.receipt)
    return _page(request, staff, **context)


routes = [
    Route("/admin/personal-data", privacy_page),
    Route("/admin/personal-data/erase", erase_page, methods=["POST"]),
]
