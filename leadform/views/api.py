"""The JSON API for sites that build their own form: describe the form, take a lead.

`POST /api/leads` goes through the same `LeadIntake.submit` as the HTML form: the
same rules, token, honeypot, rate limits and idempotency, answered as JSON.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from leadform.domain.leads import StoredLead
from leadform.i18n.languages import Language
from leadform.i18n.messages import N_, Message
from leadform.registration.form_tokens import TokenProblem
from leadform.registration.intake import (
    Accepted,
    Decoy,
    NeedsFixing,
    Outcome,
    Refused,
    TooMany,
    Unavailable,
)
from leadform.views.api_description import describe_form
from leadform.views.body import read_submission
from leadform.views.context import app_context
from leadform.views.errors import json_error
from leadform.views.languages import api_language
from leadform.views.submission import NOTICES, UNAVAILABLE, client_of, handed_on, too_many

PROBLEM = N_("There is a problem")
NO_STORE = {"Cache-Control": "no-store"}


async def form(request: Request) -> Response:
    """GET /api/form?locale=zh-hant-hk"""
    ctx = app_context(request)
    language = api_language(request, request.query_params.get("locale"))
    settings = ctx.settings
    description = describe_form(
        language,
        ctx.intake.bookable(),
        ctx.tokens.issue(),
        str(request.base_url),
        (settings.terms_url, settings.privacy_url),
        [lang.tag for lang in ctx.languages.listed],
    )
    return _json(description, 200, language)


async def create_lead(request: Request) -> Response:
    """POST /api/leads (JSON, or form-encoded)"""
    taken = handed_on(request)  # the fast path took it in already
    data = taken[0] if taken else await read_submission(request)  # BodyError: 400/415
    language = lead_language(request, data)
    if taken:
        return answer(request, taken[1], language)
    outcome = await app_context(request).intake.submit(data, language, client_of(request))
    return answer(request, outcome, language)


def lead_language(request: Request, data: dict[str, str]) -> Language:
    """The `locale` field, else the query's, else Accept-Language (api_language)."""
    return api_language(request, data.get("locale") or request.query_params.get("locale"))


def answer(request: Request, outcome: Outcome, language: Language) -> Response:
    match outcome:
        case Accepted(stored) | Decoy(stored):
            return _json(_created(stored), 201, language)
        case NeedsFixing(errors):
            texts = {field: language.translate(message) for field, message in errors.items()}
            return json_error(language, 422, Message(PROBLEM), code="invalid", errors=texts)
        case Refused(problem):
            code = "too_fast" if problem is TokenProblem.TOO_FAST else "form_expired"
            token = app_context(request).tokens.issue()
            return json_error(language, 400, Message(NOTICES[problem]), code=code, token=token)
        case TooMany(retry_after):
            return json_error(
                language,
                429,
                too_many(retry_after),
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )
        case Unavailable():
            return json_error(language, 503, Message(UNAVAILABLE), headers={"Retry-After": "5"})
    raise AssertionError(outcome)  # pragma: no cover - the match is exhaustive


def _created(stored: StoredLead) -> dict[str, str]:
    return {
        "reference": stored.reference,
        "preferred_date": stored.preferred_date.isoformat(),
        "treatment": stored.treatment,
        "locale": stored.locale,
    }


def _json(body: dict[str, Any], status: int, language: Language) -> Response:
    headers = NO_STORE | {"Content-Language": language.text_tag, "Vary": "Accept-Language"}
    return JSONResponse(body, status_code=status, headers=headers)


@cache
def openapi_document() -> dict[str, Any]:
    text = resources.files("leadform").joinpath("openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json: this API described (kept true by tests/test_openapi.py)."""
    return JSONResponse(openapi_document(), headers={"Cache-Control": "public, max-age=3600"})


routes = [
    Route("/api/form", form, methods=["GET"]),
    Route("/api/leads", create_lead, methods=["POST"]),
    Route("/api/openapi.json", openapi, methods=["GET"]),
]
