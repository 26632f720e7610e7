import os
import subprocess
import sys
from pathlib import Path


def run_leadform(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadform", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_invalid_setting_stops_serve_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run_leadform(
        "serve", env={"LEADFORM_PORT": "eighty", "LEADFORM_SECRET_KEY": "k" * 32}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadform: LEADFORM_PORT: must be a whole number (got 'eighty')"
    ]


def test_database_from_a_newer_leadform_stops_serve_with_one_line(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "leads.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 9999")
    env = {"LEADFORM_DATABASE": str(path), "LEADFORM_SECRET_KEY": "k" * 32}
    result = run_leadform("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("leadform: LEADFORM_DATABASE: ") and "newer" in line


def test_missing_catalog_folder_stops_serve_with_one_line(tmp_path: Path) -> None:
    env = {
        "LEADFORM_DATABASE": str(tmp_path / "l.db"),
        "LEADFORM_SECRET_KEY": "k" * 32,
        "LEADFORM_LOCALES_DIR": str(tmp_path / "nowhere"),
    }
    result = run_leadform("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"leadform: LEADFORM_LOCALES_DIR: no catalog folder at {tmp_path / 'nowhere'}"
    ]


UNREACHABLE = "postgresql://root@127.0.0.1:1/leads"


def test_an_unreachable_database_url_stops_serve_with_one_line_naming_it(tmp_path: Path) -> None:
    env = {"LEADFORM_DATABASE": UNREACHABLE, "LEADFORM_SECRET_KEY": "k" * 32}
    result = run_leadform("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"leadform: LEADFORM_DATABASE: cannot connect to {UNREACHABLE}")
    assert list(tmp_path.iterdir()) == []  # no file written in its place


def test_an_unreachable_database_url_stops_a_command_with_one_line(tmp_path: Path) -> None:
    env = {"LEADFORM_DATABASE": UNREACHABLE, "LEADFORM_SECRET_KEY": "k" * 32}
    result = run_leadform("staff", "list", env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"leadform: LEADFORM_DATABASE: cannot connect to {UNREACHABLE}")


def test_an_unknown_database_scheme_stops_serve_with_one_line(tmp_path: Path) -> None:
    env = {"LEADFORM_DATABASE": "mysql://root@127.0.0.1/leads", "LEADFORM_SECRET_KEY": "k" * 32}
    result = run_leadform("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("leadform: LEADFORM_DATABASE: unknown scheme mysql:")


def test_backup_of_a_postgresql_database_points_to_the_documented_procedure(
    tmp_path: Path,
) -> None:
    env = {"LEADFORM_DATABASE": UNREACHABLE, "LEADFORM_SECRET_KEY": "k" * 32}
    result = run_leadform("backup", str(tmp_path), env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "pg_dump" in line and "docs/operations.md" in line


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    # `leadform config | head -1`: the pipe closes before everything is written
    reader, writer = os.pipe()
    os.close(reader)
    with os.fdopen(writer, "w") as closed:
        result = subprocess.run(
            [sys.executable, "-m", "leadform", "config"],
            env={**os.environ, "LEADFORM_SECRET_KEY": "k" * 32},
            cwd=tmp_path,
            stdout=closed,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    assert (result.returncode, result.stderr) == (1, "")
