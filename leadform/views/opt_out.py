"""The marketing opt-out link (PDPO Part 6A): `/{lang}/opt-out/{reference}/{signature}`.

No sign-in: the signature is the proof. A GET only shows the button, because mail
scanners and link previews follow links; the POST records the withdrawal, and a second
press keeps the first time. A wrong signature and an unknown (or erased) reference get
the same 404, so the page tells nobody which references exist.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from leadform.storage.leads import marketing_withdrawn_at
from leadform.storage.opt_out import Withdrawal, withdraw_marketing
from leadform.views.context import app_context
from leadform.views.languages import page_language
from leadform.views.rendering import render

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def opt_out(request: Request) -> Response:
    ctx = app_context(request)
    reference = request.path_params["reference"]
    signature = request.path_params["signature"]
    page = f"opt-out/{reference}/{signature}"
    if not ctx.settings.opt_out_links.matches(reference, signature):
        raise HTTPException(404)
    language = page_language(request, page)
    if isinstance(language, Response):
        return language
    if request.method == "POST":
        await ctx.db.writer.submit(withdraw_marketing, Withdrawal(reference, ctx.clock()))
    found, withdrawn_at = await marketing_withdrawn_at(ctx.db.reader, reference)
    if not found:
        raise HTTPException(404)
    return render(
        request,
        "opt_out.html",
        language,
        page=page,
        headers=NO_STORE,
        action=request.url.path,
        withdrawn_at=withdrawn_at,
        zone=ctx.settings.timezone,
    )


routes = [Route("/{locale}/opt-out/{reference}/{signature}", opt_out, methods=["GET", "POST"])]
