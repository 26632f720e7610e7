"""The app factory: settings, languages, templates, database, routes, middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from leadform.config import Settings, load_settings
from leadform.dates import Clock, system_clock
from leadform.framing import FramePolicy
from leadform.i18n import load_languages
from leadform.intake import LeadIntake
from leadform.middleware import ApiCors, BodyLimit, SecurityHeaders
from leadform.storage import StorageError, open_database
from leadform.templating import create_templates
from leadform.tokens import FormTokens
from leadform.views import api, embed, errors, form, pages
from leadform.views.context import AppContext

logger = logging.getLogger("leadform")


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> Starlette:
    """Build the ASGI app; `settings` default to the environment's."""
    settings = settings or load_settings()
    languages = load_languages(settings.locales_dir, settings.default_locale)
    templates = create_templates()
    tokens = FormTokens(settings.secret_key, clock, settings.min_fill_seconds)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        db = await open_database(settings.database, settings.busy_timeout)
        intake = LeadIntake(settings, tokens, clock, db)
        ctx = AppContext(settings, languages, templates, tokens, clock, db, intake)
        logger.info(
            "leadform ready: %s, languages %s",
            settings.database,
            ", ".join(lang.tag for lang in languages.all),
        )
        try:
            yield {"ctx": ctx}
        finally:
            await db.close()

    return Starlette(
        routes=[
            *pages.routes,
            *form.routes,
            *api.routes,
            *embed.routes,
            *(embed.example_routes if settings.examples else []),
            Mount("/static", StaticFiles(packages=[("leadform", "static")]), name="static"),
        ],
        middleware=middleware(settings),
        exception_handlers={
            HTTPException: errors.http_error,
            StorageError: errors.storage_error,
            Exception: errors.server_error,
        },
        lifespan=lifespan,
    )


def middleware(settings: Settings) -> list[Middleware]:
    """Outermost first. The proxy headers come first so that every later layer (rate
    limits, the stored address) sees the real client, and only when the peer is a
    proxy listed in LEADFORM_TRUSTED_PROXIES (uvicorn's own implementation)."""
    layers = [
        Middleware(SecurityHeaders, frames=FramePolicy(settings.embed_origins)),
        Middleware(ApiCors, origins=settings.embed_origins),
        Middleware(BodyLimit),
    ]
    if settings.trusted_proxies:
        proxies = list(settings.trusted_proxies)
        layers.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    return layers
