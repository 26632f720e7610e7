"""One configuration for the service and every command: the environment over the env
file (LEADFORM_ENV_FILE or `--env-file`); commands never create a database or a key."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from leadform.config import SettingsError, load_settings, read_configuration
from tests.conftest import ROOT
from tests.factories import PASSWORD, ensure_schema

KEY = "env-file-test-key-" + "k" * 32


def leadform(
    *args: str, env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it: a clean environment, another folder."""
    clean = {"PATH": os.environ["PATH"], "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "leadform", *args],
        env=clean | env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_env_file(folder: Path, **values: str) -> Path:
    path = folder / "leadform.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def test_env_file_values_are_read(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path, LEADFORM_DATABASE="/srv/leads.db", LEADFORM_PORT="9000")
    settings = load_settings({"LEADFORM_ENV_FILE": str(env_file), "LEADFORM_SECRET_KEY": KEY})
    assert (settings.database, settings.port) == (Path("/srv/leads.db"), 9000)


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path, LEADFORM_PORT="9000")
    configuration = read_configuration(
        {"LEADFORM_ENV_FILE": str(env_file), "LEADFORM_PORT": "9100"}
    )
    assert configuration.values["LEADFORM_PORT"] == "9100"
    assert configuration.source("LEADFORM_PORT") == "environment"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("LEADFORM_PROT=9000\n", "LEADFORM_PROT is not a leadform setting"),
        ("LEADFORM_ENV_FILE=/other\n", "LEADFORM_ENV_FILE is not a leadform setting"),
    ],
)
def test_env_file_with_an_unknown_name_is_refused(
    tmp_path: Path, content: str, problem: str
) -> None:
    env_file = tmp_path / "leadform.env"
    env_file.write_text(content)
    with pytest.raises(SettingsError, match=problem):
        read_configuration({"LEADFORM_ENV_FILE": str(env_file)})


def test_missing_env_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LEADFORM_ENV_FILE: no such file"):
        read_configuration({"LEADFORM_ENV_FILE": str(tmp_path / "nope.env")})


@pytest.mark.parametrize("key", ["x", "k" * 31])
def test_a_secret_key_shorter_than_32_characters_is_refused(key: str) -> None:
    with pytest.raises(SettingsError, match=r"at least 32 characters.*leadform secret"):
        load_settings({"LEADFORM_SECRET_KEY": key})


def test_secret_prints_a_key_the_settings_accept(tmp_path: Path) -> None:
    result = leadform("secret", env={}, cwd=tmp_path)
    key = result.stdout.strip()
    assert load_settings({"LEADFORM_SECRET_KEY": key}).secret_key == key
    assert key != leadform("secret", env={}, cwd=tmp_path).stdout.strip()


@pytest.mark.parametrize(
    "command",
    [
        ("staff", "list"),
        ("tokens", "list"),
        ("notifications", "status"),
        ("export", "-o", "out.csv"),
        ("backup", "copy.db"),
    ],
)
def test_commands_refuse_a_missing_database_and_name_it(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    database = tmp_path / "data" / "leads.db"
    result = leadform(*command, env={"LEADFORM_DATABASE": str(database)}, cwd=tmp_path)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert str(database) in line and "no database" in line
    assert not database.exists() and not (database.parent / "secret_key").exists()


def test_commands_never_create_a_secret_key(tmp_path: Path) -> None:
    database = tmp_path / "leads.db"
    ensure_schema(database)
    result = leadform("staff", "list", env={"LEADFORM_DATABASE": str(database)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_env_file_option_points_a_command_at_its_database(tmp_path: Path) -> None:
    database = tmp_path / "srv" / "leads.db"
    database.parent.mkdir()
    ensure_schema(database)
    env_file = write_env_file(tmp_path, LEADFORM_DATABASE=str(database), LEADFORM_SECRET_KEY=KEY)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = leadform("--env-file", str(env_file), "backup", "copy.db", env={}, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert f"from {database}" in result.stdout
    assert (elsewhere / "copy.db").is_file()


def test_env_file_variable_is_read_by_every_command(tmp_path: Path) -> None:
    database = tmp_path / "leads.db"
    ensure_schema(database)
    env_file = write_env_file(tmp_path, LEADFORM_DATABASE=str(database))
    result = leadform(
        "staff",
        "add",
        "amy@clinic.example",
        "--password-stdin",
        env={"LEADFORM_ENV_FILE": str(env_file)},
        cwd=ROOT,
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT email FROM staff").fetchall() == [("amy@clinic.example",)]


def test_config_shows_each_value_and_its_source_with_secrets_masked(tmp_path: Path) -> None:
    env_file = write_env_file(
        tmp_path,
        LEADFORM_DATABASE=str(tmp_path / "leads.db"),
        LEADFORM_SECRET_KEY=KEY,
        LEADFORM_SMTP_URL="smtp://mailer:hunter2hunter2@mail.example:587",
        LEADFORM_NOTIFY_FROM="leads@clinic.example",
        LEADFORM_NOTIFY_TO="team@clinic.example",
    )
    result = leadform(
        "config", env={"LEADFORM_ENV_FILE": str(env_file), "LEADFORM_PORT": "9100"}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert lines["LEADFORM_PORT"] == "9100\t# environment"
    assert lines["LEADFORM_DATABASE"] == f"{tmp_path / 'leads.db'}\t# env file {env_file}"
    assert lines["LEADFORM_HOST"] == "127.0.0.1\t# default"
    assert lines["LEADFORM_SECRET_KEY"].startswith("*** (50 characters)")
    assert KEY not in result.stdout and "hunter2" not in result.stdout
    assert "smtp://mailer:***@mail.example:587" in lines["LEADFORM_SMTP_URL"]


def test_config_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    result = leadform("config", env={"LEADFORM_PORT": "eighty"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadform: LEADFORM_PORT: must be a whole number (got 'eighty')"
    ]
