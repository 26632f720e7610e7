"""The registration form: show, submit, thank."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from leadform.dates import BookableRange
from leadform.forms import FIELDS, TREATMENTS, browser_checks
from leadform.i18n import Language
from leadform.intake import Accepted, Client, NeedsFixing, Refused, Unavailable
from leadform.messages import N_, Message
from leadform.tokens import TokenProblem
from leadform.views.body import BodyError, read_form
from leadform.views.context import app_context
from leadform.views.rendering import render, render_html

# Query parameters the form page cache's key covers (see blank_form).
CACHED_QUERY = frozenset({"treatment"})

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


def form_context(
    request: Request,
    language: Language,
    values: dict[str, str],
    *,
    token: str,
    bookable: BookableRange,
    errors: dict[str, Message] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """Everything register.html shows."""
    return {
        "page": "register",
        "query": _query(values),
        "action": f"/{language.url_tag}/register",
        "values": values,
        "errors": errors or {},
        "field_ids": FIELD_IDS,
        "notice": Message(notice) if notice else None,
        "token": token,
        "treatments": list(TREATMENTS.items()),
        "bookable": bookable,
        "checks": browser_checks(bookable),
        "consent": app_context(request).intake.consent(language),
    }


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
    """The form again after a submission, with the visitor's values and messages."""
    ctx = app_context(request)
    context = form_context(
        request,
        language,
        values,
        token=token or ctx.tokens.issue(),
        bookable=ctx.intake.bookable(),
        errors=errors,
        notice=notice,
    )
    return render(request, "register.html", language, status=status, **context)


def origin(request: Request) -> tuple[object, ...]:
    """What request.base_url (in the page's links) is made of, without building it."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    root = (scope.get("root_path", ""), scope.get("app_root_path", ""))
    return (scope["scheme"], host, scope.get("server"), root)


def blank_form(request: Request, language: Language, values: dict[str, str]) -> Response:
    """The form as a visitor first sees it. Every visitor of a day gets the same page
    but for the token, so it is rendered once (per language, preselected treatment,
    base URL and bookable range, i.e. until the clinic's day changes) and reused."""
    ctx = app_context(request)
    bookable = ctx.intake.bookable()
    treatment = values.get("treatment", "")
    key = ("register", language.tag, origin(request), treatment, bookable.earliest, bookable.latest)

    def render_page(slots: Mapping[str, str]) -> str:
        context = form_context(request, language, values, token=slots["token"], bookable=bookable)
        return render_html(request, "register.html", language, **context)

    page = ctx.pages.slotted(key, ("token",), render_page)
    slots = {"token": ctx.tokens.issue()}
    headers = {"Content-Language": language.tag}
    if page is None:
        return HTMLResponse(render_page(slots), headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Compressing the whole page per request cost more than serving it; only the
        # token is compressed now (see SlottedPage.fill_gzip). The GZip middleware
        # passes an encoded answer through.
        gzip_headers = headers | {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return HTMLResponse(page.fill_gzip(slots), headers=gzip_headers)
    return HTMLResponse(page.fill(slots), headers=headers)


async def register(request: Request) -> Response:
    language = page_language(request, "register")
    if isinstance(language, Response):
        return language
    if request.method == "GET":
        query = request.query_params if request.scope["query_string"] else None
        treatment = query.get("treatment", "") if query else ""
        values = {"treatment": treatment} if treatment in TREATMENTS else {}
        if query and set(query) - CACHED_QUERY:
            # A parameter the cache key does not cover may change the page: render it.
            return render_form(request, language, values)
        return blank_form(request, language, values)
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
