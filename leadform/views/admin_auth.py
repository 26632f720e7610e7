"""Staff sign-in and sign-out, and what every staff page shares: the signed-in
staff member, the page language and the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from leadform.i18n.languages import Language
from leadform.i18n.messages import N_, Message
from leadform.staff.auth import SESSION_LIFETIME, Blocked, Rejected, SignedIn
from leadform.staff.csrf import new_cookie_secret
from leadform.storage.staff import Staff
from leadform.views.body import BodyError, read_form
from leadform.views.context import app_context
from leadform.views.rendering import Alternate, render

SESSION_COOKIE = "leadform_session"
CSRF_COOKIE = "leadform_csrf"
LANG_COOKIE = "leadform_admin_lang"
COOKIE_PATH = "/admin"
LOGIN_PATH = "/admin/login"


def admin_language(request: Request) -> Language:
    """`?lang=`, then the language chosen before (a cookie), then the browser's."""
    languages = app_context(request).languages
    for tag in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        found = languages.match(tag) if tag else None
        if found is not None:
            return found
    return languages.negotiate(request.headers.get("accept-language"))


def language_alternates(request: Request) -> list[Alternate]:
    """This page in every language: the same URL with `lang=` set."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    result = []
    for language in app_context(request).languages.all:
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
        set_cookie(request, response, LANG_COOKIE, tag, samesite="lax", max_age=365 * 86400)
    return response


# --- endpoints ------------------------------------------------------------------


def render_login(
    request: Request, *, status: int = 200, problem: Message | None = None, email: str = ""
) -> Response:
    next_url = safe_next(request.query_params.get("next", "/admin"))
    return render_admin(
        request, "admin/login.html", status=status, problem=problem, email=email, next=next_url
    )


async def login(request: Request) -> Response:
    if request.method == "GET":
        if await signed_in_staff(request) is not None:
            return RedirectResponse(safe_next(request.query_params.get("next", "")), 303)
        return render_login(request)
    try:
        form = await read_form(request)
    except BodyError as problem:
        raise HTTPException(problem.status, problem.reason) from None
    email = form.get("email", "").strip()[:254]
    if not csrf_ok(request, form.get("csrf", "")):
        expired = Message(N_("This sign-in form has expired. Please sign in again."))
        return render_login(request, status=403, problem=expired, email=email)
    password = form.get("password", "")
    if not email or not password:
        missing = Message(N_("Enter your email address and password."))
        return render_login(request, status=400, problem=missing, email=email)
    address = request.client.host if request.client else ""
    outcome = await app_context(request).auth.sign_in(email, password, address)
    match outcome:
        case SignedIn(_, cookie):
            redirect = RedirectResponse(safe_next(form.get("next", "")), status_code=303)
            max_age = int(SESSION_LIFETIME.total_seconds())
            set_cookie(request, redirect, SESSION_COOKIE, cookie, samesite="lax", max_age=max_age)
            return redirect
        case Blocked(until):
            minutes = max(1, -(-int((until - app_context(request).clock()).total_seconds()) // 60))
            blocked = Message(
                N_("Too many failed sign-ins. Please try again in %(minutes)s minutes."),
                {"minutes": minutes},
            )
            response = render_login(request, status=429, problem=blocked, email=email)
            response.headers["Retry-After"] = str(minutes * 60)
            return response
        case Rejected():
            wrong = Message(N_("The email address or password is not right."))
            return render_login(request, status=401, problem=wrong, email=email)
    raise AssertionError(outcome)  # pragma: no cover - the match is exhaustive


async def logout(request: Request) -> Response:
    try:
        form = await read_form(request)
    except BodyError as problem:
        raise HTTPException(problem.status, problem.reason) from None
    if not csrf_ok(request, form.get("csrf", "")):
        raise HTTPException(403)
    await app_context(request).auth.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        secure=app_context(request).settings.secure_cookies,
        samesite="lax",
    )
    return response


routes = [
    Route(LOGIN_PATH, login, methods=["GET", "POST"]),
    Route("/admin/logout", logout, methods=["POST"]),
]
