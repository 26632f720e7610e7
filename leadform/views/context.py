"""What every endpoint needs, built once in the app factory and lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from leadform.config import Settings
from leadform.csrf import CsrfTokens
from leadform.dates import Clock
from leadform.i18n import Languages
from leadform.intake import LeadIntake
from leadform.staff_auth import StaffAuth
from leadform.storage import Database
from leadform.tokens import FormTokens


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


def app_context(request: Request) -> AppContext:
    context: AppContext = request.state.ctx
    return context
