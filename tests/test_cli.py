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
        "serve", env={"LEADFORM_PORT": "eighty", "LEADFORM_SECRET_KEY": "k"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadform: LEADFORM_PORT: must be a whole number (got 'eighty')"
    ]
