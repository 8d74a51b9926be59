"""The installed command works from any folder, with the packaged patterns and model."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def command() -> list[str]:
    script = Path(sys.executable).with_name("empathy-score")
    if script.exists():
        return [str(script)]
    found = shutil.which("empathy-score")
    if found is None:
        pytest.skip("empathy-score is not installed in this environment")
    return [found]


def test_score_runs_from_another_folder_on_the_demo(repo_root, tmp_path):
    result = subprocess.run(
        [*command(), "score", str(repo_root / "corpora" / "demo"), "--format", "jsonl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 12
    assert all(r["status"] == "ok" for r in records)
    assert all(r["straight_to_data_probability"] is not None for r in records)
    assert "12 calls, 12 scored, 0 errors" in result.stderr


def test_python_dash_m_is_the_same_command(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "empathy_score", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("empathy-score ")
