"""`leadform notifications status|retry` on a real database, as an operator runs them."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadform.commands.notifications import format_status
from leadform.notifications.status import BacklogStatus, NotificationStatus
from leadform.storage import open_database
from leadform.storage.outbox import (
    ChannelCounts,
    Claim,
    DeliveryProblem,
    Settlement,
    claim_notifications,
    settle_notifications,
)
from tests.conftest import ROOT
from tests.factories import ensure_schema
from tests.outbox_support import email, new_lead, outbox_rows, webhook
from tests.test_cli import run_leadform

HOOK = webhook("https://crm.example/hook?key=abc")
MAIL = email("team@clinic.example")


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "LEADFORM_DATABASE": str(tmp_path / "leads.db"),
        "LEADFORM_SECRET_KEY": "k" * 40,
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
    }


async def prepare(path: Path) -> datetime:
    """Two leads: the webhook of one delivered, the other's being retried; one email
    failed. Times are recent so ages are small but real. Returns the retry's time."""
    now = datetime.now(UTC).replace(microsecond=0)
    db = await open_database(path)
    try:
        await db.save_lead(new_lead("t1", HOOK, MAIL, created_at=now - timedelta(minutes=20)))
        await db.save_lead(new_lead("t2", HOOK, created_at=now - timedelta(minutes=20)))
        claim = Claim("cli", now, now + timedelta(minutes=1), ("webhook", "email"), 9)
        claimed = await db.writer.submit(claim_notifications, claim)
        outcomes = {
            1: Settlement(1, "cli", "delivered", now),
            2: Settlement(2, "cli", "failed", now, "SMTP 535; gave up after 24 h"),
            3: Settlement(3, "cli", "pending", now, "HTTP 503", now + timedelta(hours=1)),
        }
        for row in claimed:
            await db.writer.submit(settle_notifications, outcomes[row.id])
    finally:
        await db.close()
    return now + timedelta(hours=1)


def test_status_shows_counts_per_channel_the_oldest_pending_and_problems(tmp_path: Path) -> None:
    asyncio.run(prepare(tmp_path / "leads.db"))
    result = run_leadform("notifications", "status", env=environment(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "channel     pending  delivered  failed",
        "email             0          0       1",
        "webhook           1          1       0",
    ]
    assert lines[3].startswith("oldest pending: waiting 20 min")
    assert lines[3].endswith("BACKLOG: older than 15 min")
    problems = "\n".join(lines[4:])
    assert "email team@clinic.example: SMTP 535; gave up after 24 h (1 attempt, failed)" in problems
    assert "webhook crm.example: HTTP 503 (1 attempt, next try" in problems
    assert "key=abc" not in result.stdout  # a URL's query may hold the receiver's key


@pytest.mark.parametrize(
    ("zone", "offset"),
    [(None, "+08:00"), ("Asia/Hong_Kong", "+08:00"), ("Asia/Kolkata", "+05:30")],
)
def test_status_shows_times_in_the_clinics_zone_whatever_the_machines(
    tmp_path: Path, zone: str | None, offset: str
) -> None:
    retry_at = asyncio.run(prepare(tmp_path / "leads.db"))
    env = environment(tmp_path) | {"TZ": "UTC"}  # servers often run in UTC
    if zone:
        env["LEADFORM_TIMEZONE"] = zone
    result = run_leadform("notifications", "status", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    match = re.search(r"next try (\S+)\)", result.stdout)
    assert match, result.stdout
    shown = datetime.fromisoformat(match.group(1))
    assert match.group(1).endswith(offset)
    assert shown == retry_at  # the same instant, in the clinic's clock


def documented_status() -> list[str]:
    """The example output in docs/notifications.md."""
    text = (ROOT / "docs" / "notifications.md").read_text(encoding="utf-8")
    block = text.split("$ leadform notifications status\n", 1)[1].split("```", 1)[0]
    return block.rstrip("\n").splitlines()


def test_the_documented_status_output_is_what_the_command_prints() -> None:
    hong_kong = ZoneInfo("Asia/Hong_Kong")
    now = datetime(2026, 11, 26, 10, 3, 20, tzinfo=hong_kong)
    status = NotificationStatus(
        channels=(ChannelCounts("email", 0, 118, 1), ChannelCounts("webhook", 2, 117, 0)),
        backlog=BacklogStatus(2, now - timedelta(minutes=3, seconds=20), now),
        problems=(
            DeliveryProblem(
                "K7M2QX9P", "webhook", "https://crm.example/hooks/leads", "pending", 4,
                "HTTP 503", datetime(2026, 11, 26, 2, 4, 5, tzinfo=UTC),
            ),
            DeliveryProblem(
                "9UK5T7FR", "email", "frontdesk@clinic.example", "failed", 41,
                "SMTP 535; gave up after 24 h", datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
            ),
        ),
    )  # fmt: skip
    assert format_status(status, hong_kong).splitlines() == documented_status()


def test_status_of_an_empty_outbox(tmp_path: Path) -> None:
    ensure_schema(tmp_path / "leads.db")
    result = run_leadform("notifications", "status", env=environment(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(no notifications yet)" in result.stdout
    assert "oldest pending: none" in result.stdout


def test_retry_makes_pending_due_now_and_leaves_failed_alone(tmp_path: Path) -> None:
    asyncio.run(prepare(tmp_path / "leads.db"))
    result = run_leadform("notifications", "retry", env=environment(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "1 pending notification(s) due now",
        "0 failed notification(s) queued again",
    ]
    rows = outbox_rows(tmp_path / "leads.db")
    assert [r["status"] for r in rows] == ["delivered", "failed", "pending"]
    assert rows[2]["next_attempt_at"] < datetime.now(UTC).isoformat()


def test_retry_failed_queues_them_again_with_a_fresh_window(tmp_path: Path) -> None:
    asyncio.run(prepare(tmp_path / "leads.db"))
    result = run_leadform(
        "notifications", "retry", "--failed", env=environment(tmp_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "1 failed notification(s) queued again" in result.stdout
    rows = outbox_rows(tmp_path / "leads.db")
    assert [(r["status"], r["attempts"]) for r in rows] == [
        ("delivered", 1),
        ("pending", 0),
        ("pending", 1),
    ]


@pytest.mark.parametrize("action", ["status", "retry"])
def test_a_bad_setting_stops_the_command_with_one_line(tmp_path: Path, action: str) -> None:
    env = environment(tmp_path) | {"LEADFORM_NOTIFY_TO": "nobody"}
    result = run_leadform("notifications", action, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadform: LEADFORM_NOTIFY_TO: 'nobody' is not an email address"
    ]


def test_serve_refuses_a_staff_language_without_a_catalog(tmp_path: Path) -> None:
    env = environment(tmp_path) | {
        "LEADFORM_STAFF_LOCALE": "ja",
        "LEADFORM_SMTP_URL": "smtp://127.0.0.1:2525",
        "LEADFORM_NOTIFY_FROM": "leads@clinic.example",
        "LEADFORM_NOTIFY_TO": "team@clinic.example",
    }
    result = run_leadform("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("leadform: LEADFORM_STAFF_LOCALE: no catalog for 'ja' (available: ")
