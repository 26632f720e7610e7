"""Taking a lead in: token, rules, consent evidence, storage. No HTTP here.

The HTML form and any other front end (the JSON API) call `LeadIntake.submit`, so
every way in shares one set of rules and one idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from leadform.config import Settings
from leadform.consent import ConsentText, consent_text, policy_url
from leadform.dates import BookableRange, Clock, bookable_range
from leadform.forms import Errors, validate
from leadform.i18n import Language
from leadform.notifications.targets import notification_targets
from leadform.storage import ConsentWording, Database, NewLead, StorageError, StoredLead
from leadform.tokens import FormToken, FormTokens, TokenProblem

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
class Unavailable:
    """Storage failed; nothing was saved, the visitor may try again."""


Outcome = Accepted | Refused | NeedsFixing | Unavailable


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
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.clock = clock
        self.db = db
        self.notify = notification_targets(settings)
        self.wake_delivery = wake_delivery

    def bookable(self) -> BookableRange:
        s = self.settings
        return bookable_range(self.clock(), s.timezone, s.min_days_ahead, s.max_days_ahead)

    def consent(self, language: Language) -> ConsentText:
        tag = language.url_tag
        return consent_text(
            language,
            policy_url(self.settings.terms_url, "terms", tag),
            policy_url(self.settings.privacy_url, "privacy", tag),
        )

    async def submit(self, data: Mapping[str, str], language: Language, client: Client) -> Outcome:
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
            notify=self.notify,  # queued in the lead's own transaction, if it is new
        )
        try:
            stored = await self.db.save_lead(new)
        except StorageError as exc:
            logger.error("lead not stored: %s", exc)
            return Unavailable()
        logger.info("lead stored: reference %s", stored.reference)
        if self.notify:
            self.wake_delivery()
        return Accepted(stored)
