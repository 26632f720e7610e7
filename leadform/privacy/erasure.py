"""Erasing one person: preview what would go, then delete it and checkpoint, so the
rows survive neither in the database file nor in its WAL (docs/privacy.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from leadform.domain.actors import Actor
from leadform.domain.subjects import Subject, subject_hash
from leadform.storage import Database
from leadform.storage.erasure import Erasure, ErasurePlan, ErasureReceipt, erase, plan_erasure

logger = logging.getLogger("leadform.privacy")


@dataclass(frozen=True)
class Erased:
    receipt: ErasureReceipt
    checkpointed: bool  # False: readers kept the WAL busy; the next checkpoint will do


async def preview_erasure(
    db: Database, secret: str, subject: Subject, zone: ZoneInfo
) -> ErasurePlan:
    return await plan_erasure(db.reader, subject, subject_hash(secret, subject), zone)


async def erase_subject(
    db: Database, secret: str, subject: Subject, actor: Actor, now: datetime, zone: ZoneInfo
) -> Erased:
    erasure = Erasure(subject, subject_hash(secret, subject), actor, now, zone)
    receipt: ErasureReceipt = await db.writer.submit(erase, erasure)
    checkpointed = await db.checkpoint()
    # Counts and the receipt's number only: never the identifier or the lead's data.
    logger.info(
        "erasure #%d by %s: %d lead(s), %d notification(s), %d export(s) held them",
        receipt.id,
        actor.kind,
        receipt.lead_count,
        receipt.removed.notifications,
        len(receipt.exports),
    )
    return Erased(receipt, checkpointed)
