"""What every staff page shares: the signed-in staff member, the page language
(remembered in a cookie), the CSRF token and the redirect to sign in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from leadform.staff.csrf import new_cookie_secret
from leadform.storage.staff import Staff
from leadform.views.context import app_context
from leadform.views.languages import ADMIN_LANGUAGE_COOKIE, admin_language
from leadform.views.rendering import Alternate, render

SESSION_COOKIE = "leadform_session"
CSRF_COOKIE = "leadform_csrf"
COOKIE_PATH = "/admin"
LOGIN_PATH = "/admin/login"


def language_alternates(request: Request) -> list[Alternate]:
    """This page in every language: the same URL with `lang=` set."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    result = []
    for language in app_context(request).languages.listed:
        query = urlencode({**params, "lang": language.url_tag})
        result.append(Alternate(language, f"{request.url.path}?{query}"))
    return result


async def signed_in_staff(request: Request) -> Staff | None:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return await app_context(request).auth.session_staff(cookie) if cookie else None


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)


def safe_next(value: str) -> str:
    """Only back into the staff pages: never another site (no open redirect)."""
    if (
        value.startswith("/admin")
        and not value.startswith("//")
        and not any(ch in value for ch in "\\\r\n\t")
    ):
        return value
    return "/admin"


@dataclass(frozen=True)
class Csrf:
    """The browser's CSRF secret (new when it had none) and a token for a form."""

    secret: str
    token: str
    fresh: bool


def csrf_for(request: Request) -> Csrf:
    existing = request.cookies.get(CSRF_COOKIE, "")
    secret = existing if 20 <= len(existing) <= 100 else new_cookie_secret()
    return Csrf(secret, app_context(request).csrf.issue(secret), secret != existing)


def csrf_ok(request: Request, token: str) -> bool:
    return app_context(request).csrf.check(token, request.cookies.get(CSRF_COOKIE, ""))


def set_cookie(request: Request, response: Response, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        secure=app_context(request).settings.secure_cookies,
        **kw,
    )


def render_admin(
    request: Request,
    template: str,
    *,
    status: int = 200,
    staff: Staff | None = None,
    **context: Any,
) -> Response:
    """A staff page in the staff member's language, with a CSRF token for its forms."""
    language = admin_language(request)
    csrf = csrf_for(request)
    response = render(
        request,
        template,
        language,
        status=status,
        alternates=language_alternates(request),
        staff=staff,
        csrf_token=csrf.token,
        zone=app_context(request).settings.timezone,
        **context,
    )
    if csrf.fresh:
        set_cookie(request, response, CSRF_COOKIE, csrf.secret, samesite="strict")
    chosen = request.query_params.get("lang", "")
    if chosen and app_context(request).languages.match(chosen) is not None:
        tag = language.url_tag  # remembered for the next staff page
        set_cookie(
            request, response, ADMIN_LANGUAGE_COOKIE, tag, samesite="lax", max_age=365 * 86400
        )
    return response


_CHALLENGE = 'Bearer realm="leadform"'


def unauthorized(request: Request) -> Response:
    challenge = _CHALLENGE
    if request.headers.get("authorization"):
        challenge += ', error="invalid_token"'  # RFC 6750 §3.1
    return PlainTextResponse(
        "Sign in, or send an API token as Authorization: Bearer <token>.\n",
        status_code=401,
        headers={"WWW-Authenticate": challenge},
    )
