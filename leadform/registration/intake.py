"""Taking a lead in: token, rules, consent evidence, storage. No HTTP here.

The HTML form and any other front end (the JSON API) call `LeadIntake.submit`, so
every way in shares one set of rules and one idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from leadform.clock import Clock, clinic_today
from leadform.config import Settings
from leadform.domain.keyed_hashes import keyed_hash
from leadform.domain.leads import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    ConsentWording,
    NewLead,
    StoredLead,
)
from leadform.domain.notifications import NotificationTarget
from leadform.domain.submission_limits import OverLimit, SubmissionAttempt
from leadform.i18n.languages import Language
from leadform.registration.attribution import attribution_from
from leadform.registration.consent import ConsentText, consent_text, policy_url
from leadform.registration.dates import BookableRange, bookable_range
from leadform.registration.form_tokens import FormToken, FormTokens, TokenProblem
from leadform.registration.rules import Errors, honeypot_filled, validate
from leadform.storage import Database, StorageError

logger = logging.getLogger("leadform.intake")


@dataclass(frozen=True)
class Accepted:
    stored: StoredLead


@dataclass(frozen=True)
class Refused:
    """The token was missing, forged, expired or posted back too fast."""

    problem: TokenProblem


@dataclass(frozen=True)
class NeedsFixing:
    errors: Errors


@dataclass(frozen=True)
class Decoy:
    """The honeypot was filled: answer as if accepted; nothing was stored."""

    stored: StoredLead


@dataclass(frozen=True)
class Unavailable:
    """Storage failed; nothing was saved, the visitor may try again."""


@dataclass(frozen=True)
class TooMany:
    """Over a rate limit for this client address or phone number; nothing was stored."""

    retry_after: int  # seconds


Outcome = Accepted | Decoy | Refused | NeedsFixing | TooMany | Unavailable


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str


def _no_delivery() -> None:
    return None


class LeadIntake:
    def __init__(
        self,
        settings: Settings,
        tokens: FormTokens,
        clock: Clock,
        db: Database,
        wake_delivery: Callable[[], None] = _no_delivery,
        notify: tuple[NotificationTarget, ...] = (),
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.clock = clock
        self.db = db
        self.honeypot_count = 0
        self.notify = notify  # where each new lead's notifications go
        self.wake_delivery = wake_delivery
        self._consent: dict[str, ConsentText] = {}
        self._bookable: tuple[date, BookableRange] | None = None

    def bookable(self) -> BookableRange:
        """Today's range; computed once per clinic day (the closed days take a walk
        through the window), as every form page and submission asks for it."""
        s = self.settings
        now = self.clock()
        today = clinic_today(now, s.timezone)
        if self._bookable is None or self._bookable[0] != today:
            rule = bookable_range(now, s.timezone, s.min_days_ahead, s.max_days_ahead, s.calendar)
            self._bookable = (today, rule)
        return self._bookable[1]

    def consent(self, language: Language) -> ConsentText:
        """The consent sentences in `language` (built once: settings and catalogs are
        fixed for the process's life)."""
        tag = language.url_tag
        if tag not in self._consent:
            self._consent[tag] = consent_text(
                language,
                policy_url(self.settings.terms_url, "terms", tag),
                policy_url(self.settings.privacy_url, "privacy", tag),
            )
        return self._consent[tag]

    async def submit(self, data: Mapping[str, str], language: Language, client: Client) -> Outcome:
        """Every front end's way in: token, rules, honeypot, rate limits, storage.

        `data` holds the form's fields (and the optional attribution fields) as text.
        """
        token = self.tokens.check(data.get("token", ""))
        if not isinstance(token, FormToken):
            logger.info("submission refused: token %s", token.value)
            return Refused(token)
        lead, errors = validate(data, self.bookable())
        if lead is None:
            return NeedsFixing(errors)
        new = NewLead(
            lead=lead,
            token_id=token.id,
            created_at=self.clock(),
            locale=language.tag,
            consent=ConsentWording(language.tag, self.consent(language).evidence()),
            ip=client.ip,
            user_agent=client.user_agent[:512],
            attribution=attribution_from(data),
            notify=self.notify,  # queued in the lead's own transaction, if it is new
        )
        if honeypot_filled(data):
            return await self._decoy(new)
        try:
            stored = await self._store(new)
        except StorageError as exc:
            logger.error("lead not stored: %s", exc)
            return Unavailable()
        if isinstance(stored, OverLimit):
            logger.info("submission over the rate limit: retry after %ss", stored.retry_after)
            return TooMany(stored.retry_after)
        logger.info("lead stored: reference %s", stored.reference)
        if self.notify:
            self.wake_delivery()
        return Accepted(stored)

    async def _store(self, new: NewLead) -> StoredLead | OverLimit:
        attempt = self._attempt(new)
        if attempt is None:
            return await self.db.save_lead(new)
        return await self.db.save_lead_within_limits(new, attempt)

    async def _decoy(self, new: NewLead) -> Outcome:
        """A filled honeypot: counted like any attempt, answered like a success."""
        self.honeypot_count += 1
        logger.info("honeypot filled: submission dropped (%d since start)", self.honeypot_count)
        attempt = self._attempt(new)
        try:
            over_limit = await self.db.record_submission_attempt(attempt) if attempt else None
        except StorageError as exc:
            logger.error("honeypot attempt not counted: %s", exc)
            over_limit = None
        if over_limit is not None:
            return TooMany(over_limit.retry_after)
        return Decoy(self._decoy_lead(new))

    def _attempt(self, new: NewLead) -> SubmissionAttempt | None:
        """The rate-limit keys of a submission: its client address and phone number,
        as keyed hashes so the counts hold no personal data."""
        if not self.settings.rate_limits:
            return None
        keys = [self._key("phone", new.lead.phone)]
        if new.ip:
            keys.insert(0, self._key("ip", new.ip))
        return SubmissionAttempt(
            tuple(keys), new.token_id, new.created_at, self.settings.rate_limits
        )

    def _key(self, kind: str, value: str) -> str:
        secret = f"rate-limit:{self.settings.secret_key}"
        return keyed_hash(secret, kind, value).hex()[:32]

    def _decoy_lead(self, new: NewLead) -> StoredLead:
        return StoredLead(
            reference=decoy_reference(self.settings.secret_key, new.token_id),
            token_id=new.token_id,
            locale=new.locale,
            treatment=new.lead.treatment,
            preferred_date=new.lead.preferred_date,
            created_at=new.created_at,
        )


def decoy_reference(secret: str, token_id: str) -> str:
    """A reference that looks real and is the same for every post of one form."""
    digest = keyed_hash(secret, "decoy", token_id)
    return "".join(
        REFERENCE_ALPHABET[byte % len(REFERENCE_ALPHABET)] for byte in digest[:REFERENCE_LENGTH]
    )
