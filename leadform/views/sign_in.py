"""Staff sign-in and sign-out."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from leadform.i18n.messages import N_, Message
from leadform.staff.auth import SESSION_LIFETIME, Blocked, Rejected, SignedIn
from leadform.views.body import read_form
from leadform.views.context import app_context
from leadform.views.staff_pages import (
    COOKIE_PATH,
    LOGIN_PATH,
    SESSION_COOKIE,
    csrf_ok,
    render_admin,
    safe_next,
    set_cookie,
    signed_in_staff,
)

logger = logging.getLogger("leadform.sign_in")

# Secure cookies are dropped by the browser on a page it fetched over http, so the
# sign-in form's CSRF cookie never comes back and every attempt "expires".
INSECURE_TRANSPORT = N_(
    "Signing in cannot work on this address: the service is set to send its cookies "
    "over HTTPS only, but this page reached it over plain HTTP. Please tell whoever "
    "runs the service that the proxy must pass on X-Forwarded-Proto."
)


def insecure_transport(request: Request) -> bool:
    """Secure cookies asked for, on a request the service sees as plain http."""
    return app_context(request).settings.secure_cookies and request.url.scheme != "https"


def render_login(
    request: Request, *, status: int = 200, problem: Message | None = None, email: str = ""
) -> Response:
    next_url = safe_next(request.query_params.get("next", "/admin"))
    return render_admin(
        request, "admin/login.html", status=status, problem=problem, email=email, next=next_url
    )


async def login(request: Request) -> Response:
    if request.method != "POST":  # GET, and HEAD as monitors send it
        if await signed_in_staff(request) is not None:
            return RedirectResponse(safe_next(request.query_params.get("next", "")), 303)
        if insecure_transport(request):
            return render_login(request, problem=Message(INSECURE_TRANSPORT))
        return render_login(request)
    form = await read_form(request)  # a BodyError answers 400/415 itself
    email = form.get("email", "").strip()[:254]
    if not csrf_ok(request, form.get("csrf", "")):
        if insecure_transport(request):
            logger.warning(
                "sign-in refused: LEADFORM_SECURE_COOKIES=1 but the request came over http, "
                "so the browser dropped the Secure cookies; the proxy must send "
                "X-Forwarded-Proto: https and be listed in LEADFORM_TRUSTED_PROXIES"
            )
            return render_login(request, status=403, problem=Message(INSECURE_TRANSPORT))
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
    form = await read_form(request)  # a BodyError answers 400/415 itself
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
