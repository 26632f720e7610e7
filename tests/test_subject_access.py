"""Access requests: everything held about a person, as JSON and as a page in their
own language, written for the service's user alone."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from leadform.config import PostgresUrl
from leadform.domain.leads import Attribution
from leadform.storage import open_database
from tests.databases import on_engine, write
from tests.privacy_support import EMAIL_ADDRESS, NAME, OTHER_NAME, fill, person_lead, store
from tests.test_cli_admin import leadform
from tests.test_erasure import cli_env
from tests.test_languages import english_fragments, visible_texts

pytestmark = pytest.mark.anyio


async def prepare(
    tmp_path: Path, locale: str, target: Path | PostgresUrl | None = None
) -> dict[str, str]:
    """The person's data in every table it reaches, their latest lead in `locale`, in
    `target` (a SQLite file in `tmp_path` when not given)."""
    env = cli_env(tmp_path)
    if target is None:
        target = Path(env["LEADFORM_DATABASE"])
    env = on_engine(env, target)
    db = await open_database(target)
    try:
        await fill(db)
        campaign = Attribution(utm_source="facebook", utm_campaign="spring-acne")
        latest = person_lead("p9", locale=locale)
        await store(db, latest.__class__(**{**latest.__dict__, "attribution": campaign}))
    finally:
        await db.close()
    sql = (
        "UPDATE notifications SET status = 'delivered', "
        "finished_at = '2026-11-26T02:00:05.000000Z' WHERE lead_id = 1"
    )
    write(target, [(sql, ())])
    return env


async def test_the_access_export_holds_every_lead_with_its_consent_campaign_and_history(
    tmp_path: Path, database: Path | PostgresUrl
) -> None:
    env = await prepare(tmp_path, "en", database)  # on both engines
    out = tmp_path / "answer.json"
    result = leadform(env, "subject-export", "--phone", "9876 5432", "-o", str(out))
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text("utf-8"))
    leads = document["leads"]
    assert [lead["name"] for lead in leads] == [NAME, NAME, NAME]
    assert OTHER_NAME not in out.read_text("utf-8")
    first = leads[0]
    assert first["consent"]["wording"] == "I agree (zh-Hant-HK)"
    assert first["consent"]["terms_accepted_at"] == "2026-11-26T10:00:00+08:00"
    assert first["notifications"] == [
        {
            "channel": "webhook",
            "status": "delivered",
            "queued_at": "2026-11-26T10:00:00+08:00",
            "finished_at": "2026-11-26T10:00:05+08:00",
        }
    ]
    assert first["exports"] == [
        {
            "exported_at": "2026-11-26T10:05:00+08:00",
            "by": "sales@example.com",
            "by_kind": "staff",
            "format": "csv",
        }
    ]
    assert leads[2]["campaign"]["utm_campaign"] == "spring-acne"
    assert leads[2]["exports"] == []  # stored after the export


@pytest.mark.parametrize(
    ("locale", "heading", "lang"),
    [
        ("en", "Your personal data held by the clinic", 'lang="en"'),
        ("zh-Hant-HK", "診所持有的你的個人資料", 'lang="zh-Hant-HK"'),
        ("zh-Hans-CN", "诊所持有的您的个人数据", 'lang="zh-Hans-CN"'),
    ],
)
async def test_the_page_is_in_the_language_of_the_persons_latest_lead(
    tmp_path: Path, locale: str, heading: str, lang: str
) -> None:
    env = await prepare(tmp_path, locale)
    out = tmp_path / "answer.json"
    assert leadform(env, "subject-export", "--email", EMAIL_ADDRESS, "-o", str(out)).returncode == 0
    page = (tmp_path / "answer.html").read_text("utf-8")
    assert heading in page and lang in page
    assert "I agree (zh-Hant-HK)" in page and "spring-acne" in page


async def test_both_files_are_readable_by_the_service_alone(tmp_path: Path) -> None:
    env = await prepare(tmp_path, "en")
    out = tmp_path / "answer.json"
    leadform(env, "subject-export", "--phone", "98765432", "-o", str(out))
    for path in (out, tmp_path / "answer.html"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    env = await prepare(tmp_path, "en")
    out = tmp_path / "answer.json"
    out.write_text("keep me")
    result = leadform(env, "subject-export", "--phone", "98765432", "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.endswith(
        f"leadform: {out} exists already; give another file name with -o\n"
    )
    assert out.read_text() == "keep me"


@pytest.mark.parametrize("locale", ["zh-Hant-HK", "zh-Hans-CN"])
async def test_the_chinese_page_shows_no_english_wording(tmp_path: Path, locale: str) -> None:
    env = await prepare(tmp_path, locale)
    out = tmp_path / "answer.json"
    assert leadform(env, "subject-export", "--phone", "98765432", "-o", str(out)).returncode == 0
    text = "\n".join(visible_texts((tmp_path / "answer.html").read_text("utf-8")))
    left = sorted(fragment for fragment in english_fragments() if fragment in text)
    assert left == [], f"the access page in {locale} shows English"
