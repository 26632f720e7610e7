"""The registration form: show, submit, thank."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from leadform.domain.leads import ATTRIBUTION_FIELDS, TREATMENTS, StoredLead
from leadform.i18n.languages import Language
from leadform.i18n.messages import Message
from leadform.registration.attribution import clean_attribution
from leadform.registration.dates import BookableRange
from leadform.registration.intake import (
    Accepted,
    Decoy,
    NeedsFixing,
    Outcome,
    Refused,
    TooMany,
    Unavailable,
)
from leadform.registration.rules import FIELDS, HONEYPOT, browser_checks, date_hint
from leadform.views.body import read_form
from leadform.views.context import app_context
from leadform.views.frame_options import FrameOptions
from leadform.views.languages import page_language
from leadform.views.rendering import render, render_html
from leadform.views.submission import client_of, handed_on, not_saved
from leadform.web.page_cache import SlottedPage

# Where the error summary links to: the control itself, or the first radio button.
FIELD_IDS = {name: name for name in FIELDS} | {"treatment": "treatment-acne"}


def page_attribution(request: Request) -> dict[str, str]:
    """Attribution for a form being shown: the embed passes the host page's values in
    the query; a direct visit has its own query's, the form's address as the page,
    and the browser's Referer."""
    params = request.query_params
    data = {name: params.get(name, "") for name in ATTRIBUTION_FIELDS}
    if "page_url" not in params:
        data["page_url"] = str(request.url)
    if "referrer" not in params:
        data["referrer"] = request.headers.get("referer", "")
    return clean_attribution(data)


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
    attribution: Mapping[str, str],
    errors: dict[str, Message] | None = None,
    notice: Message | None = None,
) -> dict[str, Any]:
    """Everything register.html shows (with `render`'s page, query and frame)."""
    frame = FrameOptions.from_query(request.query_params)
    return {
        "page": "register",
        "query": _query(values),
        "frame": frame,
        "action": frame.url(f"/{language.url_tag}/register"),
        "values": values,
        "errors": errors or {},
        "field_ids": FIELD_IDS,
        "notice": notice,
        "token": token,
        "treatments": list(TREATMENTS.items()),
        "bookable": bookable,
        "checks": browser_checks(bookable),
        "date_hint": date_hint(language, bookable),
        "consent": app_context(request).intake.consent(language),
        "attribution": {name: value for name, value in attribution.items() if value},
        "honeypot": HONEYPOT,
    }


def render_form(
    request: Request,
    language: Language,
    values: dict[str, str],
    *,
    attribution: dict[str, str],
    token: str | None = None,
    errors: dict[str, Message] | None = None,
    notice: Message | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The form rendered for this request alone (after a submission: the visitor's
    values and messages)."""
    ctx = app_context(request)
    context = form_context(
        request,
        language,
        values,
        token=token or ctx.tokens.issue(),
        bookable=ctx.intake.bookable(),
        attribution=attribution,
        errors=errors,
        notice=notice,
    )
    return render(request, "register.html", language, status=status, headers=headers, **context)


def origin(request: Request) -> tuple[object, ...]:
    """What request.base_url (in the page's links) is made of, without building it."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    root = (scope.get("root_path", ""), scope.get("app_root_path", ""))
    return (scope["scheme"], host, scope.get("server"), root)


@dataclass(frozen=True)
class BlankForm:
    """The blank form for one request: the cached page (None when it cannot be
    reused) and this request's values for its slots."""

    page: SlottedPage | None
    slots: dict[str, str]
    render: Callable[[Mapping[str, str]], str]
    language: Language
    gzip: bool  # the browser takes gzip: send the page compressed (fill_gzip)


def blank_form_parts(request: Request, language: Language) -> BlankForm:
    """The form as a visitor first sees it, from the page cache.

    Every visitor of a day gets the same page but for the token and the attribution
    (hidden inputs), so the page is rendered once per key and those values fill its
    slots, HTML-escaped. The key is everything else that changes the page: language,
    origin (the language links are absolute), preselected treatment, the framed
    layout and its accent, which attribution inputs are present, and the bookable
    range, which changes at midnight in the clinic's time zone.
    """
    ctx = app_context(request)
    treatment = request.query_params.get("treatment", "")
    values = {"treatment": treatment} if treatment in TREATMENTS else {}
    bookable = ctx.intake.bookable()
    attribution = {name: value for name, value in page_attribution(request).items() if value}
    frame = FrameOptions.from_query(request.query_params)
    key = (
        "register",
        language.tag,
        origin(request),
        values.get("treatment", ""),
        frame,
        tuple(attribution),
        bookable.earliest,
        bookable.latest,
    )
    slot_names = ("token", *(f"attribution.{name}" for name in attribution))

    def render_page(slots: Mapping[str, str]) -> str:
        context = form_context(
            request,
            language,
            values,
            token=slots["token"],
            bookable=bookable,
            attribution={name: slots[f"attribution.{name}"] for name in attribution},
        )
        return render_html(request, "register.html", language, **context)

    page = ctx.page_cache.slotted(key, slot_names, render_page)
    slots = {"token": ctx.tokens.issue()} | {
        f"attribution.{name}": value for name, value in attribution.items()
    }
    gzip = "gzip" in request.headers.get("accept-encoding", "")
    return BlankForm(page, slots, render_page, language, gzip)


def blank_form(request: Request, language: Language) -> Response:
    form = blank_form_parts(request, language)
    headers = {"Content-Language": language.text_tag}
    if form.page is None:
        return HTMLResponse(form.render(form.slots), headers=headers)
    if form.gzip:
        # Compressing the whole page per request cost more than serving it; only the
        # slots' values are compressed now (SlottedPage.fill_gzip). The GZip
        # middleware passes an encoded answer through.
        gzip_headers = headers | {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return HTMLResponse(form.page.fill_gzip(form.slots), headers=gzip_headers)
    return HTMLResponse(form.page.fill(form.slots), headers=headers)


async def register(request: Request) -> Response:
    language = page_language(request, "register")
    if isinstance(language, Response):
        return language
    if request.method != "POST":  # GET, and HEAD as monitors send it
        return blank_form(request, language)
    return await submit(request, language)


async def take_submission(request: Request, language: Language) -> tuple[dict[str, str], Outcome]:
    """The submitted fields and what the intake made of them."""
    taken = handed_on(request)
    if taken is not None:
        return taken
    values = await read_form(request)  # a BodyError answers 400/415 itself
    outcome = await app_context(request).intake.submit(values, language, client_of(request))
    return values, outcome


def thanks_url(request: Request, language: Language, stored: StoredLead) -> str:
    """Where an accepted submission is sent (the 303's Location, before quoting)."""
    path = f"/{language.url_tag}/thanks/{stored.token_id}"
    return FrameOptions.from_query(request.query_params).url(path)


async def submit(request: Request, language: Language) -> Response:
    values, outcome = await take_submission(request, language)
    kept = {name: values.get(name, "") for name in FIELDS}
    token = values.get("token", "")
    attribution = clean_attribution(values)
    match outcome:
        case Accepted(stored):
            return RedirectResponse(thanks_url(request, language, stored), status_code=303)
        case Decoy(stored):
            # No redirect: the thank-you address would find no lead. Same page, no event.
            return render_thanks(request, language, stored, submitted=False)
        case NeedsFixing() | Refused() | TooMany() | Unavailable():
            answer = not_saved(outcome)
            return render_form(
                request,
                language,
                kept,
                token=None if answer.new_token else token,
                errors=answer.errors or None,
                notice=answer.notice,
                status=answer.status,
                headers=answer.headers or None,
                attribution=attribution,
            )
    raise AssertionError(outcome)  # pragma: no cover - the match is exhaustive


def render_thanks(
    request: Request, language: Language, lead: StoredLead, *, submitted: bool
) -> Response:
    """The thank-you page; `submitted` tells an embedding page's analytics (once)."""
    frame = FrameOptions.from_query(request.query_params)
    result = {"treatment": lead.treatment, "locale": lead.locale, "reference": lead.reference}
    context: dict[str, Any] = {
        "lead": lead,
        "treatment_label": TREATMENTS[lead.treatment],
        "frame": frame,
        "submitted": result if submitted and frame.embed else None,
    }
    return render(
        request,
        "thanks.html",
        language,
        page=f"thanks/{lead.token_id}",
        headers={"Cache-Control": "no-store"},
        **context,
    )


async def thanks(request: Request) -> Response:
    page = f"thanks/{request.path_params['token_id']}"
    language = page_language(request, page)
    if isinstance(language, Response):
        return language
    lead = await app_context(request).db.find_lead_by_token(request.path_params["token_id"])
    if lead is None:
        raise HTTPException(404)
    return render_thanks(request, language, lead, submitted=True)


routes = [
    Route("/{locale}/register", register, methods=["GET", "POST"]),
    Route("/{locale}/thanks/{token_id}", thanks),
]
