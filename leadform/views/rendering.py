"""Rendering pages in a language, with links to the same page in the others."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from leadform.domain.clinic import Clinic
from leadform.i18n.languages import Language
from leadform.i18n.messages import N_, Message
from leadform.views.context import app_context
from leadform.views.frame_options import FrameOptions

GENERIC_NAME = N_("Clinic registration")


@dataclass(frozen=True)
class Alternate:
    language: Language
    url: str


def alternates(request: Request, page: str, query: str = "") -> list[Alternate]:
    """The same page in every language (for the switch and hreflang links)."""
    suffix = f"?{query}" if query else ""
    base = str(request.base_url).rstrip("/")
    return [
        Alternate(lang, f"{base}/{lang.url_tag}/{page}{suffix}")
        for lang in app_context(request).languages.listed
    ]


def page_context(
    request: Request, language: Language, page: str | None, query: str, context: dict[str, Any]
) -> dict[str, Any]:
    """What every page's template gets besides its own values."""
    frame = context.setdefault("frame", FrameOptions())
    # A framed page shows no language switch and is not indexed: no alternates.
    if page and not frame.embed:
        context.setdefault("alternates", alternates(request, page, query))
    context.setdefault("alternates", [])
    clinic = app_context(request).settings.clinic
    return {
        "lang": language,
        "clinic": clinic,
        "clinic_name": clinic_name(clinic, language),
        **context,
    }


def clinic_name(clinic: Clinic, language: Language) -> str:
    """The clinic's name in this language (LEADFORM_CLINIC_NAME), or a generic title."""
    if clinic.name is None:
        return language.gettext(GENERIC_NAME)
    return language.pick(clinic.name)


def render(
    request: Request,
    template: str,
    language: Language,
    *,
    status: int = 200,
    page: str | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    return app_context(request).templates.TemplateResponse(
        request,
        template,
        page_context(request, language, page, query, context),
        status_code=status,
        headers={"Content-Language": language.text_tag, **(headers or {})},
    )


def render_html(
    request: Request,
    template: str,
    language: Language,
    *,
    page: str | None = None,
    query: str = "",
    **context: Any,
) -> str:
    """The page as text, with the context `render` gives it (for the page cache)."""
    templates = app_context(request).templates
    return templates.get_template(template).render(
        {"request": request, **page_context(request, language, page, query, context)}
    )


def render_message(
    request: Request,
    language: Language,
    status: int,
    heading: Message,
    body: Message,
    link: dict[str, Any] | None = None,
) -> Response:
    return render(
        request, "message.html", language, status=status, heading=heading, body=body, link=link
    )
