"""The registration form: show, submit, thank."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from leadform.forms import FIELDS, TREATMENTS, browser_checks
from leadform.i18n import Language
from leadform.intake import Accepted, Client, NeedsFixing, Refused, Unavailable
from leadform.messages import N_, Message
from leadform.tokens import TokenProblem
from leadform.views.body import BodyError, read_form
from leadform.views.context import app_context
from leadform.views.rendering import render

# Where the error summary links to: the control itself, or the first radio button.
FIELD_IDS = {name: name for name in FIELDS} | {"treatment": "treatment-acne"}

NOTICES = {
    TokenProblem.MISSING: N_("This form has expired. Please check your details and submit again."),
    TokenProblem.INVALID: N_("This form has expired. Please check your details and submit again."),
    TokenProblem.EXPIRED: N_("This form has expired. Please check your details and submit again."),
    TokenProblem.TOO_FAST: N_(
        "Your registration could not be sent. Please check your details and submit again."
    ),
}
UNAVAILABLE = N_(
    "We could not save your registration just now. Nothing you entered is lost: "
    "please submit again in a moment."
)


def page_language(request: Request, page: str) -> Language | Response:
    """The language named by the URL, a 301 to its canonical tag, or a 404."""
    tag = request.path_params["locale"]
    languages = app_context(request).languages
    language = languages.exact(tag)
    if language is not None and tag == language.url_tag:
        return language
    language = language or languages.match(tag)
    if language is None:
        raise HTTPException(404)
    url = request.url.replace(path=f"/{language.url_tag}/{page}")
    return RedirectResponse(str(url), status_code=301)


def _query(values: dict[str, str]) -> str:
    treatment = values.get("treatment", "")
    return urlencode({"treatment": treatment}) if treatment in TREATMENTS else ""


def render_form(
    request: Request,
    language: Language,
    values: dict[str, str],
    *,
    token: str | None = None,
    errors: dict[str, Message] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    ctx = app_context(request)
    bookable = ctx.intake.bookable()
    return render(
        request,
        "register.html",
        language,
        status=status,
        page="register",
        query=_query(values),
        action=f"/{language.url_tag}/register",
        values=values,
        errors=errors or {},
        field_ids=FIELD_IDS,
        notice=Message(notice) if notice else None,
        token=token or ctx.tokens.issue(),
        treatments=list(TREATMENTS.items()),
        bookable=bookable,
        checks=browser_checks(bookable),
        consent=ctx.intake.consent(language),
    )


async def register(request: Request) -> Response:
    language = page_language(request, "register")
    if isinstance(language, Response):
        return language
    if request.method == "GET":
        treatment = request.query_params.get("treatment", "")
        values = {"treatment": treatment} if treatment in TREATMENTS else {}
        return render_form(request, language, values)
    return await submit(request, language)


async def submit(request: Request, language: Language) -> Response:
    try:
        values = await read_form(request)
    except BodyError as problem:
        raise HTTPException(problem.status, problem.reason) from None
    client = Client(
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )
    outcome = await app_context(request).intake.submit(values, language, client)
    kept = {name: values.get(name, "") for name in FIELDS}
    match outcome:
        case Accepted(stored):
            url = f"/{language.url_tag}/thanks/{stored.token_id}"
            return RedirectResponse(url, status_code=303)
        case NeedsFixing(errors):
            token = values.get("token", "")
            return render_form(request, language, kept, token=token, errors=errors, status=422)
        case Refused(refusal):
            return render_form(request, language, kept, notice=NOTICES[refusal], status=400)
        case Unavailable():
            token = values.get("token", "")
            return render_form(request, language, kept, token=token, notice=UNAVAILABLE, status=503)
    raise AssertionError(outcome)  # pragma: no cover - the match is exhaustive


async def thanks(request: Request) -> Response:
    page = f"thanks/{request.path_params['token_id']}"
    language = page_language(request, page)
    if isinstance(language, Response):
        return language
    lead = await app_context(request).db.find_lead_by_token(request.path_params["token_id"])
    if lead is None:
        raise HTTPException(404)
    context: dict[str, Any] = {"lead": lead, "treatment_label": TREATMENTS[lead.treatment]}
    return render(
        request,
        "thanks.html",
        language,
        page=page,
        headers={"Cache-Control": "no-store"},
        **context,
    )


routes = [
    Route("/{locale}/register", register, methods=["GET", "POST"]),
    Route("/{locale}/thanks/{token_id}", thanks),
]
