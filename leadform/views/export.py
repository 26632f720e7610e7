"""GET /admin/leads.csv and /admin/leads.xlsx: streamed, filtered, incremental,
recorded. Staff sessions and API tokens may use them; anyone else gets a 401."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from leadform.domain.actors import Actor
from leadform.domain.cursors import format_cursor, parse_cursor
from leadform.domain.lead_filters import parse_filter
from leadform.export.formats import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, header_row
from leadform.export.job import ExportRequest, LeadExport, record_finish, record_start
from leadform.storage.lead_queries import lead_query
from leadform.views.context import AppContext, app_context
from leadform.views.languages import admin_language
from leadform.views.staff_pages import signed_in_staff, unauthorized

CURSOR_HEADER = "Leadform-Cursor"
FILE_BLOCK = 64 * 1024


class BadRequest(ValueError):
    pass


async def export_actor(request: Request) -> Actor | None:
    """The staff member signed in, or the script whose API token is presented."""
    staff = await signed_in_staff(request)
    if staff is not None:
        return Actor("staff", staff.email, staff_id=staff.id)
    authorization = request.headers.get("authorization", "")
    return await app_context(request).auth.token_actor(authorization)


def export_request(request: Request, ctx: AppContext, fmt: str) -> ExportRequest:
    params = request.query_params
    lead_filter, errors = parse_filter(params, ctx.languages.tags)
    if errors:
        raise BadRequest(f"bad filter: {', '.join(sorted(errors))}")
    after = parse_cursor(params.get("after", "0") or "0")
    if after is None:
        raise BadRequest("after must be a cursor from the Leadform-Cursor header")
    header = params.get("header", "keys")
    if header not in ("keys", "labels"):
        raise BadRequest("header must be keys or labels")
    if params.get("bom", "1") not in ("0", "1"):
        raise BadRequest("bom must be 0 or 1")
    translate = admin_language(request).gettext if header == "labels" else None
    return ExportRequest(
        query=lead_query(lead_filter, ctx.settings.timezone),
        after_id=after,
        format=fmt,
        header=header_row(translate),
        zone=ctx.settings.timezone,
        bom=params.get("bom", "1") == "1",
        links=ctx.settings.opt_out_links,
    )


def file_name(ctx: AppContext, fmt: str) -> str:
    local = ctx.clock().astimezone(ctx.settings.timezone)
    return f"leads-{local:%Y%m%d-%H%M}.{fmt}"


@dataclass
class _Started:
    export: LeadExport
    export_id: int
    headers: dict[str, str]


async def _start(request: Request, fmt: str) -> _Started | Response:
    actor = await export_actor(request)
    if actor is None:
        return unauthorized(request)
    ctx = app_context(request)
    try:
        wanted = export_request(request, ctx, fmt)
    except BadRequest as problem:
        return PlainTextResponse(f"{problem}\n", status_code=400)
    reader = await ctx.db.export_reader()
    try:
        export = await anyio.to_thread.run_sync(LeadExport, reader, wanted)
        export_id = await record_start(ctx.db, actor, export, ctx.clock())
    except BaseException:
        reader.close()
        raise
    headers = {
        "Content-Disposition": f'attachment; filename="{file_name(ctx, fmt)}"',
        CURSOR_HEADER: format_cursor(export.upto_id),
        "Access-Control-Expose-Headers": CURSOR_HEADER,
    }
    return _Started(export, export_id, headers)


async def _finish(ctx: AppContext, started: _Started, rows: int, complete: bool) -> None:
    # Shielded: a client hanging up cancels the response, but the audit record
    # must still say how far the export got.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(started.export.reader.close)
        await record_finish(ctx.db, started.export_id, rows, complete, ctx.clock())


async def leads_csv(request: Request) -> Response:
    started = await _start(request, "csv")
    if isinstance(started, Response):
        return started
    ctx = app_context(request)

    async def body() -> AsyncIterator[bytes]:
        parts = started.export.csv_parts()
        rows, complete = 0, False
        try:
            while (part := await anyio.to_thread.run_sync(next, parts, None)) is not None:
                data, count = part
                yield data
                rows += count
            complete = True
        finally:
            parts.close()
            await _finish(ctx, started, rows, complete)

    return StreamingResponse(body(), media_type=CSV_MEDIA_TYPE, headers=started.headers)


async def leads_xlsx(request: Request) -> Response:
    started = await _start(request, "xlsx")
    if isinstance(started, Response):
        return started
    ctx = app_context(request)
    # A zip's directory comes last, so the workbook is built in a temporary file
    # (XlsxWriter keeps only one row in memory) and then streamed from disk.
    handle, path = tempfile.mkstemp(prefix="leadform-", suffix=".xlsx")
    os.close(handle)
    try:
        await anyio.to_thread.run_sync(started.export.write_xlsx, path)
    except BaseException:
        os.unlink(path)
        await _finish(ctx, started, 0, False)
        raise
    headers = {**started.headers, "Content-Length": str(os.path.getsize(path))}

    async def body() -> AsyncIterator[bytes]:
        complete = False
        blocks = _file_blocks(path)
        try:
            while (block := await anyio.to_thread.run_sync(next, blocks, None)) is not None:
                yield block
            complete = True
        finally:
            blocks.close()
            os.unlink(path)
            rows = started.export.rows if complete else 0
            await _finish(ctx, started, rows, complete)

    return StreamingResponse(body(), media_type=XLSX_MEDIA_TYPE, headers=headers)


def _file_blocks(path: str) -> Generator[bytes, None, None]:
    with open(path, "rb") as handle:
        while block := handle.read(FILE_BLOCK):
            yield block


routes = [
    Route("/admin/leads.csv", leads_csv),
    Route("/admin/leads.xlsx", leads_xlsx),
]
