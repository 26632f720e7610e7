"""What one delivery attempt came to, and the shape every channel's sender has.

Reasons are short and free of lead data ("HTTP 503", "ConnectError", "SMTP 451"):
they are logged and stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from leadform.domain.leads import Lead
from leadform.storage.outbox import InFlight, Notification


@dataclass(frozen=True)
class Delivered:
    detail: str


@dataclass(frozen=True)
class TryLater:
    reason: str
    not_before: timedelta = timedelta(0)  # the receiver's Retry-After, if it sent one


@dataclass(frozen=True)
class GiveUp:
    reason: str


Outcome = Delivered | TryLater | GiveUp


class Sender(Protocol):
    """Delivers one channel's notifications; never raises for a receiver's failure."""

    @property
    def in_flight(self) -> InFlight:
        """How many attempts one receiver of this channel gets at once."""
        ...

    async def send(self, notification: Notification, lead: Lead) -> Outcome: ...

    async def aclose(self) -> None: ...
