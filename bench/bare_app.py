"""The framework's floor: a bare Starlette app returning a small static HTML page.

Served by the same uvicorn loop (uvloop) and HTTP parser (httptools) as leadform.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Free trial</title></head>
<body><main><h1>1 Minute Self-Registration</h1>
<form method="post" action="/en/register"><input name="name"><button>Register</button></form>
</main></body>
</html>
"""


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


app = Starlette(routes=[Route("/{locale}/register", page)])
