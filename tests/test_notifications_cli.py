"""`leadform notifications status|retry` on a real database, as an operator runs them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadform.storage import open_database
from leadform.storage.outbox import Claim, Settlement, claim_notifications, settle_notifications
from tests.conftest import ROOT
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


async def prepare(path: Path) -> None:
    """Two leads: the webhook of one delivered, the other's being retried; one email
    failed. Times are recent so ages are small but real."""
    now = datetime.now(UTC)
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


def test_status_of_an_empty_outbox(tmp_path: Path) -> None:
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
