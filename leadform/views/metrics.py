"""GET /metrics: Prometheus's text format, for an API token only (it tells how many
leads come in, and from where)."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from leadform.notifications.status import backlog_status
from leadform.storage.lead_queries import lead_totals
from leadform.storage.outbox import channel_counts
from leadform.views.context import AppContext, app_context
from leadform.views.staff_pages import unauthorized
from leadform.web.metrics import CONTENT_TYPE, gauge, snapshot_exposition


async def database_families(ctx: AppContext) -> list[GaugeMetricFamily]:
    """What the database holds now: leads, notifications, its size. Raises StorageError."""
    leads = gauge(
        "leadform_leads", "Leads stored, by language and treatment", ("locale", "treatment")
    )
    for total in await lead_totals(ctx.db.reader):
        leads.add_metric([total.locale, total.treatment], total.count)
    notifications = gauge(
        "leadform_notifications", "Notifications by channel and status", ("channel", "status")
    )
    for counts in await channel_counts(ctx.db.reader):
        for status in ("pending", "delivered", "failed"):
            notifications.add_metric([counts.channel, status], getattr(counts, status))
    waiting = await backlog_status(ctx.db, ctx.clock())
    age = waiting.oldest_pending_age
    oldest = gauge(
        "leadform_notification_oldest_pending_seconds",
        "Age of the oldest notification still pending (0 when none is)",
    )
    oldest.add_metric([], age.total_seconds() if age is not None else 0)
    size = gauge(
        "leadform_database_size_bytes",
        "The database on disk: the SQLite file and its WAL, or PostgreSQL's database size",
    )
    size.add_metric([], await ctx.db.size_bytes())
    return [leads, notifications, oldest, size]


async def metrics(request: Request) -> Response:
    ctx = app_context(request)
    if await ctx.auth.token_actor(request.headers.get("authorization", "")) is None:
        return unauthorized(request)
    body = ctx.metrics.exposition() + snapshot_exposition(await database_families(ctx))
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


routes = [Route("/metrics", metrics, methods=["GET"])]
