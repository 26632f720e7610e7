"""Which language a request is answered in: one function per kind of page.

Every kind picks the first explicit choice the service speaks, else the browser's
Accept-Language (`Languages.choose`); only what counts as a choice differs.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from leadform.i18n.languages import Language
from leadform.views.context import app_context

ADMIN_LANGUAGE_COOKIE = "leadform_admin_lang"


def _choose(request: Request, *tags: str | None) -> Language:
    languages = app_context(request).languages
    return languages.choose(tags, request.headers.get("accept-language"))


def page_language(request: Request, page: str) -> Language | Response:
    """The form's pages: the language named by the URL, a 301 to its canonical tag,
    or a 404 (a page's address names exactly one language)."""
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


def entry_language(request: Request) -> Language:
    """The front door: the first of `?locale=` (comma-separated tags, as embed.js
    passes them) that the service speaks, else the browser's."""
    wanted = [tag.strip() for tag in request.query_params.get("locale", "").split(",")[:8]]
    return _choose(request, *wanted)


def api_language(request: Request, tag: str | None = None) -> Language:
    """The API's language: `tag` (the `locale` field or query) when the service speaks
    it, else Accept-Language, else the default."""
    return _choose(request, tag)


def admin_language(request: Request) -> Language:
    """`?lang=`, then the language chosen before (a cookie), then the browser's."""
    return _choose(
        request, request.query_params.get("lang"), request.cookies.get(ADMIN_LANGUAGE_COOKIE)
    )


def error_language(request: Request) -> Language:
    """The language of the URL's first segment when it names one, else negotiated."""
    return _choose(request, request.url.path.strip("/").split("/")[0])
