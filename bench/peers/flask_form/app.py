"""The same registration form written the usual Flask way, as the bench's peer.

Flask + Flask-WTF (CSRF, WTForms validation) + Flask-Babel, one SQLite commit per
request (WAL, synchronous=FULL: as durable as leadform), served by gunicorn with
sync workers. Environment: PEER_DATABASE, PEER_TRANSLATIONS, PEER_SECRET_KEY.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, abort, g, redirect, render_template, request
from flask_babel import Babel, format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import BooleanField, DateField, EmailField, RadioField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

LOCALES = {"en": "en", "zh-hant-hk": "zh_Hant_HK"}
CLINIC = ZoneInfo("Asia/Hong_Kong")

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("PEER_SECRET_KEY", "peer-secret"),
    BABEL_TRANSLATION_DIRECTORIES=os.environ.get("PEER_TRANSLATIONS", "translations"),
    DATABASE=os.environ.get("PEER_DATABASE", "peer.db"),
)
CSRFProtect(app)


def select_locale() -> str:
    return LOCALES.get((request.view_args or {}).get("lang", "en"), "en")


babel = Babel(app, locale_selector=select_locale)


def today() -> date:
    return datetime.now(CLINIC).date()


def valid_phone(form: FlaskForm, field: StringField) -> None:
    try:
        number = phonenumbers.parse(field.data or "", "HK")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _l("Enter a valid phone number, like 9123 4567 or +852 9123 4567.")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_l("Enter a valid phone number, like 9123 4567 or +852 9123 4567."))


def bookable(form: FlaskForm, field: DateField) -> None:
    if field.data < today() + timedelta(days=1) or field.data > today() + timedelta(days=90):
        raise ValidationError(_l("Choose your preferred date."))


class LeadForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(_l("Enter your name.")), Length(max=100)])
    phone = TelField(
        _l("Phone number"), [DataRequired(_l("Enter your phone number.")), valid_phone]
    )
    email = EmailField(_l("Email"), [Optional(), Email(check_deliverability=False)])
    treatment = RadioField(
        _l("Treatment"),
        choices=[("acne", _l("Acne")), ("milia", _l("Milia"))],
        validators=[DataRequired(_l("Choose a treatment."))],
    )
    preferred_date = DateField(
        _l("Preferred date"), [DataRequired(_l("Choose your preferred date.")), bookable]
    )
    consent_terms = BooleanField(validators=[DataRequired()])
    consent_marketing = BooleanField()


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(app.config["DATABASE"], timeout=5)
        g.db.execute("PRAGMA synchronous = FULL")
    return g.db


@app.teardown_appcontext
def close_db(exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    with sqlite3.connect(app.config["DATABASE"]) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS leads (id INTEGER PRIMARY KEY, created_at TEXT, "
            "locale TEXT, name TEXT, phone TEXT, email TEXT, treatment TEXT, "
            "preferred_date TEXT, consent_marketing INTEGER)"
        )


@app.route("/<lang>/register", methods=["GET", "POST"])
def register(lang: str):  # type: ignore[no-untyped-def]
    if lang not in LOCALES:
        abort(404)
    form = LeadForm()
    if form.validate_on_submit():
        db = get_db()
        cursor = db.execute(
            "INSERT INTO leads (created_at, locale, name, phone, email, treatment, "
            "preferred_date, consent_marketing) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.utcnow().isoformat(),
                lang,
                form.name.data,
                form.phone.data,
                form.email.data or "",
                form.treatment.data,
                form.preferred_date.data.isoformat(),
                int(form.consent_marketing.data),
            ),
        )
        db.commit()
        return redirect(f"/{lang}/thanks/{cursor.lastrowid}", code=303)
    earliest, latest = today() + timedelta(days=1), today() + timedelta(days=90)
    return render_template(
        "register.html",
        form=form,
        lang=lang,
        earliest=earliest,
        latest=latest,
        earliest_text=format_date(earliest),
        latest_text=format_date(latest),
    ), 422 if form.errors else 200


init_db()
