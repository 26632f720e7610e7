"""The staff pages: the leads (filters, search, chart, pages) and the export log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from leadform.chart import Chart, daily_chart, last_days
from leadform.dates import clinic_today
from leadform.forms import TREATMENTS
from leadform.lead_filters import FILTER_PARAMS, LeadFilter, parse_cursor, parse_filter, utc_range
from leadform.notifications.status import notification_status
from leadform.storage.exports import last_complete_export, list_exports
from leadform.storage.lead_queries import (
    LeadQuery,
    browse_leads,
    count_leads_after,
    daily_counts,
)
from leadform.views.admin_auth import login_redirect, render_admin, signed_in_staff
from leadform.views.context import AppContext, app_context

PAGE_SIZE = 50
EXPORTS_PAGE_SIZE = 100


def lead_query(ctx: AppContext, lead_filter: LeadFilter) -> LeadQuery:
    return LeadQuery(lead_filter, utc_range(lead_filter, ctx.settings.timezone))


def locale_tags(ctx: AppContext) -> list[str]:
    return [language.tag for language in ctx.languages.all]


async def leads_page(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if staff is None:
        return login_redirect(request)
    ctx = app_context(request)
    lead_filter, errors = parse_filter(request.query_params, locale_tags(ctx))
    raw_before = request.query_params.get("before", "")
    before = parse_cursor(raw_before) if raw_before else None
    query = lead_query(ctx, lead_filter if not errors else LeadFilter())
    leads = await browse_leads(ctx.db.reader, query, before, PAGE_SIZE + 1)
    params = lead_filter.as_params()
    older = None
    if len(leads) > PAGE_SIZE:
        leads = leads[:PAGE_SIZE]
        older = "?" + urlencode({**params, "before": leads[-1].id})
    return render_admin(
        request,
        "admin/leads.html",
        status=400 if errors else 200,
        staff=staff,
        leads=leads,
        errors=errors,
        values={name: request.query_params.get(name, "") for name in FILTER_PARAMS},
        filter_query=urlencode(params),
        newest="?" + urlencode(params) if before is not None else None,
        older=older,
        chart=await _chart(ctx),
        treatments=list(TREATMENTS.items()),
        languages=ctx.languages.all,
        new_since=await _new_since(ctx, staff.id),
        notifications=await notification_status(ctx.db.reader, ctx.clock(), problem_limit=5),
    )


async def _chart(ctx: AppContext) -> Chart:
    zone = ctx.settings.timezone
    days = last_days(clinic_today(ctx.clock(), zone))

    def start(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    bounds = [(day, start(day), start(day + timedelta(days=1))) for day in days]
    counts = await daily_counts(ctx.db.reader, bounds)
    return daily_chart(days, list(TREATMENTS), counts)


async def _new_since(ctx: AppContext, staff_id: int) -> dict[str, object] | None:
    """The "new since my last export" link: the last complete export's filters with
    its cursor, and how many leads it would bring."""
    last = await last_complete_export(ctx.db.reader, staff_id)
    if last is None:
        return None
    stored = json.loads(last.filters)
    lead_filter, errors = parse_filter(stored, locale_tags(ctx))
    if errors:
        return None
    count = await count_leads_after(ctx.db.reader, lead_query(ctx, lead_filter), last.upto_id)
    query = urlencode({**lead_filter.as_params(), "after": last.upto_id})
    return {"count": count, "query": query, "since": last.started_at, "format": last.format}


async def exports_page(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if staff is None:
        return login_redirect(request)
    ctx = app_context(request)
    raw_before = request.query_params.get("before", "")
    before = parse_cursor(raw_before) if raw_before else None
    records = await list_exports(ctx.db.reader, before, EXPORTS_PAGE_SIZE + 1)
    older = None
    if len(records) > EXPORTS_PAGE_SIZE:
        records = records[:EXPORTS_PAGE_SIZE]
        older = "?" + urlencode({"before": records[-1].id})
    filters = {record.id: json.loads(record.filters) for record in records}
    return render_admin(
        request,
        "admin/exports.html",
        staff=staff,
        records=records,
        filters=filters,
        older=older,
    )


routes = [
    Route("/admin", leads_page),
    Route("/admin/exports", exports_page),
]
