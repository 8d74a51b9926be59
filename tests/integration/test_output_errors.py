"""An output that cannot be written is one line and exit 2, for `score` and `report` alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from empathy_score.cli import main

CALL = Path(__file__).resolve().parents[2] / "corpora" / "demo" / "hond_aangereden.txt"


def unwritable(tmp_path: Path) -> Path:
    """A file name in a folder this process may not write to (root may write almost anywhere:
    sysfs refuses it new files)."""
    if os.geteuid() != 0:
        folder = tmp_path / "alleen_lezen"
        folder.mkdir()
        folder.chmod(0o555)
        return folder / "uit.txt"
    candidate = Path("/sys/empathy_score_uit.txt")
    try:
        candidate.open("w").close()
    except OSError:
        return candidate
    candidate.unlink()
    pytest.skip("no folder here refuses this process a new file")


def out_path(kind: str, tmp_path: Path) -> Path:
    if kind == "missing folder":
        return tmp_path / "nergens" / "uit.txt"
    if kind == "folder":
        return tmp_path
    if kind == "full disk":
        if not Path("/dev/full").exists():
            pytest.skip("needs /dev/full (a disk that is full)")
        return Path("/dev/full")
    return unwritable(tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and devices")
@pytest.mark.parametrize("command", ["score", "report"])
@pytest.mark.parametrize("kind", ["missing folder", "folder", "full disk", "permission denied"])
def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(command, kind, tmp_path, capsys):
    out = out_path(kind, tmp_path)
    code = main([command, str(CALL), "--out", str(out), "--no-model"])
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith("empathy-score: ")
    assert str(out) in line
    assert "crashed" not in line
