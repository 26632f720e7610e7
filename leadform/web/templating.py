"""Jinja2 with gettext bound per render to the request's language.

The i18n extension's callables read the language from the template context, so no
global or context variable carries it. `trimmed` and newstyle gettext here must match
the extraction settings in babel.cfg, or msgids silently differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2.ext import i18n as _  # noqa: F401 - imported so a missing extension fails early
from starlette.templating import Jinja2Templates

from leadform.i18n.languages import Language
from leadform.i18n.messages import Message
from leadform.web.assets import Assets


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    language: Language = context["lang"]
    return language.gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    language: Language = context["lang"]
    return language.ngettext(singular, plural, n)


@jinja2.pass_context
def _translate(context: jinja2.runtime.Context, message: Message) -> str:
    language: Language = context["lang"]
    return language.translate(message)


@jinja2.pass_context
def _translate_list(context: jinja2.runtime.Context, messages: Sequence[Message]) -> str:
    """Several messages as one phrase: "Treatment: Milia and Search: “陳”"."""
    language: Language = context["lang"]
    return language.join([language.translate(message) for message in messages])


@jinja2.pass_context
def _format_date(context: jinja2.runtime.Context, day: date) -> str:
    language: Language = context["lang"]
    return language.format_date(day)


@jinja2.pass_context
def _format_datetime(context: jinja2.runtime.Context, moment: datetime, zone: ZoneInfo) -> str:
    """A stored instant in the clinic's time zone, formatted for the language."""
    language: Language = context["lang"]
    return language.format_datetime(moment, zone)


@jinja2.pass_context
def _format_month_day(context: jinja2.runtime.Context, day: date) -> str:
    language: Language = context["lang"]
    return language.format_month_day(day)


def create_environment(**options: Any) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("leadform", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,
        **options,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.filters["translate"] = _translate
    env.filters["format_date"] = _format_date
    env.filters["format_datetime"] = _format_datetime
    env.filters["format_month_day"] = _format_month_day
    env.filters["translate_list"] = _translate_list
    return env


def create_templates(assets: Assets) -> Jinja2Templates:
    env = create_environment()
    env.globals["asset_url"] = assets.url
    return Jinja2Templates(env=env)
