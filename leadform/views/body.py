"""Reading a submitted form body: content types, encodings, limits."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request

MAX_FIELDS = 64
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


class BodyError(HTTPException):
    """A body the service cannot read: 400 (malformed) or 415 (wrong type).

    An HTTPException, so every endpoint lets it out and the error handler answers
    it once: the localised error page, or JSON under /api/.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_form(request: Request) -> dict[str, str]:
    """The submitted fields (first value of each name); files are refused."""
    kind = media_type(request)
    try:
        if kind == URLENCODED:
            return parse_urlencoded(await request.body())
        if kind == MULTIPART:
            return await _parse_multipart(request)
    except ClientDisconnect:
        # The visitor left mid-upload: nothing to store and nobody to answer; not
        # a server error for the operator.
        raise BodyError(400, "client disconnected") from None
    raise BodyError(415, "unsupported content type")


async def read_submission(request: Request) -> dict[str, str]:
    """A form body, or a JSON object (the API's), as field name -> text."""
    if media_type(request) == JSON:
        return parse_json_object(await request.body())
    return await read_form(request)


def parse_json_object(body: bytes) -> dict[str, str]:
    """A JSON object of scalars as text: true -> "yes", false/null -> "", numbers as
    written. Arrays and objects as values are refused (400)."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BodyError(400, "malformed JSON body") from None
    if not isinstance(document, dict) or len(document) > MAX_FIELDS:
        raise BodyError(400, "the JSON body must be an object of fields")
    fields = {_text(str(key)): _text(_scalar_text(value)) for key, value in document.items()}
    return fields


def _text(value: str) -> str:
    """JSON escapes can spell lone surrogates (a backslash, u, d800), which are no text:
    no rule, log or database could take them, so the body is refused like bad UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError(400, "malformed JSON body") from None
    return value


def _scalar_text(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise BodyError(400, "field values must be strings, numbers, booleans or null")


def parse_urlencoded(body: bytes) -> dict[str, str]:
    try:
        # strict: invalid UTF-8, raw or percent-encoded, is refused, not turned into U+FFFD
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise BodyError(400, "malformed form body") from None
    return _first_values(pairs)


async def _parse_multipart(request: Request) -> dict[str, str]:
    try:
        async with request.form(max_files=0, max_fields=MAX_FIELDS) as form:
            pairs = [(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)]
    except (MultiPartException, ValueError, KeyError):
        raise BodyError(400, "malformed multipart body") from None
    return _first_values([(k, v) for k, v in pairs if isinstance(v, str)])


def _first_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    return values
