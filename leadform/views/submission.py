"""What the form page and the JSON API share when a visitor submits: who sent it,
and the notices for the intake's outcomes (the same sentence on either front end)."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from leadform.i18n.messages import N_, Message
from leadform.registration.form_tokens import TokenProblem
from leadform.registration.intake import (
    Client,
    NeedsFixing,
    Outcome,
    Refused,
    TooMany,
    Unavailable,
)

SUBMISSION = "leadform.submission"
"""The scope key under which the fast path (views/fast_path.py) hands on a submission
it took in but does not answer itself: the fields and the intake's outcome."""


def handed_on(request: Request) -> tuple[dict[str, str], Outcome] | None:
    """The fields and outcome the fast path already took in for this request, if any
    (the intake runs once per request)."""
    taken: tuple[dict[str, str], Outcome] | None = request.scope.get(SUBMISSION)
    return taken


NOTICES = {
    TokenProblem.MISSING: N_("This form has expired. Please check your details and submit again."),
    TokenProblem.INVALID: N_("This form has expired. Please check your details and submit again."),
    TokenProblem.EXPIRED: N_("This form has expired. Please check your details and submit again."),
    TokenProblem.TOO_FAST: N_(
        "Your registration could not be sent. Please check your details and submit again."
    ),
}
UNAVAILABLE = N_(
    "We could not save your registration just now. Nothing you entered is lost: "
    "please submit again in a moment."
)
TOO_MANY = N_(
    "Too many registrations were sent in a short time. Please wait %(minutes)s min and try again."
)


def too_many(retry_after: int) -> Message:
    return Message(TOO_MANY, {"minutes": max(1, -(-retry_after // 60))})


def client_of(request: Request) -> Client:
    """The submitting client: its address comes from the socket, or from
    X-Forwarded-For when LEADFORM_TRUSTED_PROXIES lists the peer (see application)."""
    return Client(
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
    )


@dataclass(frozen=True)
class NotSaved:
    """How the form page answers a submission that stored nothing."""

    status: int
    notice: Message | None = None
    errors: dict[str, Message] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    new_token: bool = False  # the old one can never be accepted


def not_saved(outcome: NeedsFixing | Refused | TooMany | Unavailable) -> NotSaved:
    """The table of outcome -> status and notice; the visitor's values are kept."""
    match outcome:
        case NeedsFixing(errors):
            return NotSaved(422, errors=errors)
        case Refused(problem):
            return NotSaved(400, Message(NOTICES[problem]), new_token=True)
        case TooMany(retry_after):
            return NotSaved(429, too_many(retry_after), headers={"Retry-After": str(retry_after)})
        case Unavailable():
            return NotSaved(503, Message(UNAVAILABLE))
    raise AssertionError(outcome)  # pragma: no cover - the match is exhaustive
