"""The staff pages: the leads (filters, search, chart, pages) and the export log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from leadform.clock import clinic_midnight, clinic_today
from leadform.domain.lead_filters import (
    FILTER_PARAMS,
    LeadFilter,
    describe_filter,
    parse_filter,
    recorded_filter,
)
from leadform.domain.leads import TREATMENTS, Lead
from leadform.i18n.messages import Message
from leadform.notifications.status import CHANNEL_LABELS, STATUS_LABELS, notification_status
from leadform.storage.export_audit import (
    ExportRecord,
    last_complete_export,
    list_exports,
    list_exports_newer,
)
from leadform.storage.lead_queries import (
    LeadQuery,
    browse_leads,
    browse_leads_newer,
    count_leads_after,
    daily_counts,
    lead_query,
)
from leadform.views.context import AppContext, app_context
from leadform.views.staff_pages import login_redirect, render_admin, signed_in_staff
from leadform.web.chart import Chart, daily_chart, last_days
from leadform.web.paging import Page, PageRequest, fetch_page, page_request

PAGE_SIZE = 50
EXPORTS_PAGE_SIZE = 100


def language_names(ctx: AppContext) -> dict[str, str]:
    """Stored language tag -> the language's own name, as the language menu shows it."""
    return {language.tag: language.native_name for language in ctx.languages.all}


def page_links(page: Page[Any], params: dict[str, str]) -> dict[str, str | None]:
    """The query strings of the newest, newer and older pages (None: no such page)."""

    def link(**cursor: int) -> str:
        return "?" + urlencode({**params, **cursor})

    return {
        "newest": ("?" + urlencode(params)) if page.newer is not None else None,
        "newer": link(after=page.newer) if page.newer is not None else None,
        "older": link(before=page.older) if page.older is not None else None,
    }


async def _lead_page(ctx: AppContext, query: LeadQuery, wanted: PageRequest) -> Page[Lead]:
    conn = ctx.db.reader
    return await fetch_page(
        wanted,
        PAGE_SIZE,
        lambda lead: lead.id,
        lambda before, limit: browse_leads(conn, query, before, limit),
        lambda after, limit: browse_leads_newer(conn, query, after, limit),
    )


async def leads_page(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if staff is None:
        return login_redirect(request)
    ctx = app_context(request)
    lead_filter, errors = parse_filter(request.query_params, ctx.languages.tags)
    query = lead_query(lead_filter if not errors else LeadFilter(), ctx.settings.timezone)
    page = await _lead_page(ctx, query, page_request(request.query_params))
    params = lead_filter.as_params()
    return render_admin(
        request,
        "admin/leads.html",
        status=400 if errors else 200,
        staff=staff,
        leads=page.items,
        errors=errors,
        values={name: request.query_params.get(name, "") for name in FILTER_PARAMS},
        filter_query=urlencode(params),
        pages=page_links(page, params),
        chart=await _chart(ctx),
        treatments=list(TREATMENTS.items()),
        languages=ctx.languages.all,
        language_names=language_names(ctx),
        new_since=await _new_since(ctx, staff.id),
        notifications=await notification_status(ctx.db, ctx.clock(), problem_limit=5),
        channel_labels=CHANNEL_LABELS,
        status_labels=STATUS_LABELS,
    )


async def _chart(ctx: AppContext) -> Chart:
    zone = ctx.settings.timezone
    days = last_days(clinic_today(ctx.clock(), zone))
    bounds = [
        (day, clinic_midnight(day, zone), clinic_midnight(day + timedelta(days=1), zone))
        for day in days
    ]
    counts = await daily_counts(ctx.db.reader, bounds)
    return daily_chart(days, list(TREATMENTS), counts)


@dataclass(frozen=True)
class NewSince:
    """The "new since my last export" offer: the last export's filters (in words,
    empty when it had none) with its cursor, and the same cursor without filters."""

    format: str
    filters: tuple[Message, ...]
    count: int
    query: str
    all_count: int  # every new lead, whatever the filters (only offered when filtered)
    all_query: str


async def _new_since(ctx: AppContext, staff_id: int) -> NewSince | None:
    last = await last_complete_export(ctx.db.reader, staff_id)
    if last is None:
        return None
    lead_filter = recorded_filter(last.filter_params())
    if lead_filter is None:
        return None
    conn, after, zone = ctx.db.reader, last.upto_id, ctx.settings.timezone
    count = await count_leads_after(conn, lead_query(lead_filter, zone), after)
    filtered = lead_filter != LeadFilter()
    all_count = await count_leads_after(conn, lead_query(LeadFilter(), zone), after)
    return NewSince(
        format=last.format,
        filters=describe_filter(lead_filter, language_names(ctx)) if filtered else (),
        count=count,
        query=urlencode({**lead_filter.as_params(), "after": after}),
        all_count=all_count if filtered else count,
        all_query=urlencode({"after": after}),
    )


def _describe_record(ctx: AppContext, record: ExportRecord) -> tuple[Message, ...] | None:
    """An export's filters in words; None when the record cannot be read back."""
    lead_filter = recorded_filter(record.filter_params())
    if lead_filter is None:
        return None
    return describe_filter(lead_filter, language_names(ctx))


async def _export_page(ctx: AppContext, wanted: PageRequest) -> Page[ExportRecord]:
    conn = ctx.db.reader
    return await fetch_page(
        wanted,
        EXPORTS_PAGE_SIZE,
        lambda record: record.id,
        lambda before, limit: list_exports(conn, before, limit),
        lambda after, limit: list_exports_newer(conn, after, limit),
    )


async def exports_page(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if staff is None:
        return login_redirect(request)
    ctx = app_context(request)
    page = await _export_page(ctx, page_request(request.query_params))
    return render_admin(
        request,
        "admin/exports.html",
        staff=staff,
        records=page.items,
        filters={record.id: _describe_record(ctx, record) for record in page.items},
        raw_filters={record.id: record.filter_params() for record in page.items},
        pages=page_links(page, {}),
    )


routes = [
    Route("/admin", leads_page),
    Route("/admin/exports", exports_page),
]
