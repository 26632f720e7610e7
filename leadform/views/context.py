"""What every endpoint needs, built once in the app factory and lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from leadform.clock import Clock
from leadform.config import Settings
from leadform.i18n.languages import Languages
from leadform.registration.form_tokens import FormTokens
from leadform.registration.intake import LeadIntake
from leadform.staff.auth import StaffAuth
from leadform.staff.csrf import CsrfTokens
from leadform.storage import Database
from leadform.web.metrics import RequestMetrics
from leadform.web.page_cache import PageCache


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    languages: Languages
    templates: Jinja2Templates
    tokens: FormTokens
    clock: Clock
    db: Database
    intake: LeadIntake
    auth: StaffAuth
    csrf: CsrfTokens
    metrics: RequestMetrics = field(default_factory=RequestMetrics)
    page_cache: PageCache = field(default_factory=PageCache)  # rendered pages, bounded


def app_context(request: Request) -> AppContext:
    context: AppContext = request.state.ctx
    return context
