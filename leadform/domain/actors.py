"""Who reads leads: a staff member, a script's API token or the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is reading leads, as the export audit log records it."""

    kind: str  # staff | token | command
    name: str  # the staff email, the token name or the operating-system user
    staff_id: int | None = None
    api_token_id: int | None = None
