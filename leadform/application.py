"""The app factory: settings, languages, templates, database, routes, middleware."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.routing import Mount
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from leadform.clock import Clock, system_clock
from leadform.config import Settings, load_settings
from leadform.export.formats import XLSX_MEDIA_TYPE
from leadform.i18n.languages import load_languages
from leadform.notifications.delivery import Deliverer
from leadform.notifications.senders import create_senders
from leadform.notifications.targets import notification_targets, staff_language
from leadform.privacy.retention import RetentionJob
from leadform.registration.form_tokens import FormTokens
from leadform.registration.intake import LeadIntake
from leadform.staff.auth import StaffAuth
from leadform.staff.csrf import CsrfTokens
from leadform.storage import StorageError, open_database
from leadform.views import (
    admin,
    api,
    embed,
    errors,
    export,
    metrics,
    opt_out,
    privacy,
    register,
    sign_in,
    site,
)
from leadform.views.context import AppContext
from leadform.views.fast_path import FastPath
from leadform.web.assets import AssetFiles, load_assets
from leadform.web.frame_ancestors import FramePolicy
from leadform.web.log_stream import flush_logs
from leadform.web.metrics import RequestMetrics
from leadform.web.middleware import AdminHeaders, ApiCors, BodyLimit, SecurityHeaders
from leadform.web.request_log import RequestLog
from leadform.web.templating import create_templates

logger = logging.getLogger("leadform")


EXPORT_TYPES = ("text/csv", XLSX_MEDIA_TYPE)


def create_app(
    settings: Settings | None = None, clock: Clock = system_clock, *, fast_path: bool = True
) -> Starlette:
    """Build the ASGI app; `settings` default to the environment's. `fast_path=False`
    leaves out the fast path (views/fast_path.py), for the tests that compare it
    with the full stack."""
    settings = settings or load_settings(create_secret=True)
    languages = load_languages(
        settings.locales_dir,
        settings.default_locale,
        pseudo=settings.pseudo_locale,
        min_translated=settings.min_translated,
    )
    assets = load_assets()
    templates = create_templates(assets)
    tokens = FormTokens(settings.secret_key, clock, settings.min_fill_seconds)
    csrf = CsrfTokens(settings.secret_key)
    staff = staff_language(languages, settings)
    request_metrics = RequestMetrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        db = await open_database(settings.database, settings.busy_timeout)
        deliverer = Deliverer(
            db,
            create_senders(settings, staff, templates.env, clock),
            clock,
            give_up_after=timedelta(hours=settings.notify_give_up_hours),
            zone=settings.timezone,
        )
        intake = LeadIntake(
            settings,
            tokens,
            clock,
            db,
            wake_delivery=deliverer.wake,
            notify=notification_targets(settings),
        )
        # The public holidays of the range's years are computed now (about half a second
        # the first time), not while the first visitor waits for the form.
        intake.bookable()
        retention = RetentionJob(db, clock, settings.timezone, settings.retention_days)
        if not settings.retention_days:
            logger.warning("LEADFORM_RETENTION_DAYS is 0: leads are kept for ever, never purged")
        auth = StaffAuth(settings.secret_key, clock, db)
        ctx = AppContext(
            settings, languages, templates, tokens, clock, db, intake, auth, csrf, request_metrics
        )
        deliverer.start()  # picks up whatever an earlier run left pending
        flusher = asyncio.create_task(request_metrics.flush_periodically())
        retention.start()
        logger.info(
            "leadform ready: %s, languages %s, notifications: %s",
            settings.database,
            ", ".join(lang.tag for lang in languages.all),
            ", ".join(deliverer.channels) or "none",
        )
        try:
            yield {"ctx": ctx}
        finally:
            flusher.cancel()
            request_metrics.flush()
            await retention.stop()
            await deliverer.stop()
            await db.close()
            # uvicorn ends a SIGTERM'd process by re-raising the signal, which skips
            # logging's exit-time flush: write out the last batched lines now.
            flush_logs(logger)

    return Starlette(
        routes=[
            *register.routes,  # first: the form is what nearly every request asks for
            *site.routes,
            *opt_out.routes,
            *sign_in.routes,
            *admin.routes,
            *export.routes,
            *privacy.routes,
            *api.routes,
            *embed.routes,
            *metrics.routes,
            *(embed.example_routes if settings.examples else []),
            Mount("/static", AssetFiles(assets), name="static"),
        ],
        middleware=middleware(settings, request_metrics, fast_path),
        exception_handlers={
            HTTPException: errors.http_error,
            StorageError: errors.storage_error,
            Exception: errors.server_error,
        },
        lifespan=lifespan,
    )


def middleware(
    settings: Settings, request_metrics: RequestMetrics, fast_path: bool = True
) -> list[Middleware]:
    """Outermost first. The proxy headers come first so that every later layer (the
    fast path, rate limits, the stored address) sees the real client, and only when
    the peer is a proxy listed in LEADFORM_TRUSTED_PROXIES (uvicorn's own
    implementation). The fast path answers the hot routes before the rest."""
    frames = FramePolicy(settings.embed_origins)
    layers = [
        # Pages carry no per-visitor secret (a form token is given to anyone who
        # asks), so compressing them gives BREACH-style attacks nothing to find.
        # Exports are left alone: compressing a million-row stream would cost the
        # export its speed, and XLSX is a zip already.
        Middleware(
            GZipMiddleware,
            minimum_size=500,
            compresslevel=6,
            exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "text/csv", XLSX_MEDIA_TYPE),
        ),
        Middleware(SecurityHeaders, frames=frames),
        Middleware(AdminHeaders),
        Middleware(ApiCors, origins=settings.embed_origins),
        Middleware(BodyLimit),
    ]
    # The request log sees every answer the full stack gives, 413s included (the fast
    # path writes the same line for its own). It logs no address, so its place
    # relative to the proxy headers does not matter.
    front = [Middleware(FastPath, frames=frames)] if fast_path else []
    if settings.trusted_proxies:
        proxies = list(settings.trusted_proxies)
        front.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    return [*front, Middleware(RequestLog, metrics=request_metrics), *layers]
