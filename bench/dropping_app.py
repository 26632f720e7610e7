"""leadform with storage switched off: the ceiling for the durable POST.

Everything a submission goes through (body parsing, token check, validation,
consent text, the 303) runs as in production; only the write is dropped. Bench
only: there is no setting for this in leadform itself.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

import leadform.application
from leadform.config import load_settings
from leadform.domain.leads import NewLead, StoredLead
from leadform.storage import Database, open_database


class DroppingDatabase(Database):
    async def save_lead(self, new: NewLead) -> StoredLead:
        return StoredLead(
            reference="DROPPED0",
            token_id=new.token_id,
            locale=new.locale,
            treatment=new.lead.treatment,
            preferred_date=new.lead.preferred_date,
            created_at=new.created_at,
        )


async def open_dropping_database(path: Path, busy_timeout: float = 5.0) -> Database:
    db = await open_database(path, busy_timeout)
    return DroppingDatabase(db.reader, db.writer)


def create_app() -> Starlette:
    # The app factory looks open_database up at lifespan start, in its own module.
    leadform.application.open_database = open_dropping_database  # type: ignore[assignment]
    return leadform.application.create_app(load_settings(create_secret=True))
