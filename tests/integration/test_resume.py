"""`empathy-score score --resume`, --jobs and the progress output, through the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from empathy_score.cli import main

REPO = Path(__file__).resolve().parent.parent.parent
DEMO = REPO / "corpora" / "demo"
BAD_LINES = Path(__file__).parent.parent / "data" / "transcripts" / "calls_with_bad_line.jsonl"
FORMATS = ("jsonl", "csv")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    """The demo calls, a missing file and a .jsonl with an unreadable line: 16 records."""
    folder = tmp_path_factory.mktemp("gesprekken")
    return [str(DEMO), str(folder / "ontbreekt.txt"), str(BAD_LINES)]


@pytest.fixture(scope="module")
def full_outputs(inputs, tmp_path_factory) -> dict[str, bytes]:
    """What one uninterrupted run writes, per format."""
    written = {}
    for fmt in FORMATS:
        out = tmp_path_factory.mktemp("volledig") / f"scores.{fmt}"
        assert main(["score", *inputs, "--format", fmt, "--out", str(out), "--quiet"]) == 1
        written[fmt] = out.read_bytes()
    return written


def interrupted(full: bytes, records: int, fmt: str) -> bytes:
    """The output of a run killed while writing record ``records + 1``: half of it is there."""
    lines = full.splitlines(keepends=True)
    kept = records + (fmt == "csv")  # the header
    return b"".join(lines[:kept]) + lines[kept][: len(lines[kept]) // 2]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("records", [0, 7])
def test_resume_after_a_torn_record_gives_exactly_the_full_output(
    inputs, full_outputs, fmt, records, tmp_path, capsys
):
    full = full_outputs[fmt]
    out = tmp_path / f"scores.{fmt}"
    out.write_bytes(interrupted(full, records, fmt))
    code, err = run(capsys, "score", *inputs, "--format", fmt, "--out", str(out), "--resume")
    assert out.read_bytes() == full
    assert code == 1  # the error records of the inputs, old and new, still count
    assert f"16 calls ({records} from an earlier run)" in err if records else "16 calls," in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_resume_of_a_finished_run_scores_nothing_and_changes_nothing(
    inputs, full_outputs, fmt, tmp_path, capsys
):
    full = full_outputs[fmt]
    out = tmp_path / f"scores.{fmt}"
    out.write_bytes(full)
    run(capsys, "score", *inputs, "--format", fmt, "--out", str(out), "--resume")
    assert out.read_bytes() == full


def test_resume_on_two_processes_gives_exactly_the_full_output(
    inputs, full_outputs, tmp_path, capsys
):
    full = full_outputs["jsonl"]
    out = tmp_path / "scores.jsonl"
    out.write_bytes(interrupted(full, 3, "jsonl"))
    argv = ["score", *inputs, "--out", str(out), "--resume", "--jobs", "2", "--chunk-size", "2"]
    run(capsys, *argv)
    assert out.read_bytes() == full


@pytest.mark.parametrize("fmt", FORMATS)
def test_resume_refuses_an_output_damaged_before_its_last_record(
    inputs, full_outputs, fmt, tmp_path, capsys
):
    lines = full_outputs[fmt].splitlines(keepends=True)
    lines[2] = b"dit is geen record\n"
    out = tmp_path / f"scores.{fmt}"
    out.write_bytes(b"".join(lines))
    code, err = run(capsys, "score", *inputs, "--format", fmt, "--out", str(out), "--resume")
    assert code == 2
    assert f"{out}:3: not a complete {fmt} record" in err
    assert out.read_bytes() == b"".join(lines)


def test_resume_needs_an_output_file(inputs, capsys):
    code, err = run(capsys, "score", *inputs, "--resume")
    assert code == 2
    assert "--resume needs --out FILE" in err


@pytest.mark.parametrize("jobs", ["0", "-2", "twee"])
def test_jobs_must_be_a_number_of_processes_or_minus_one(jobs, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["score", str(DEMO), "--jobs", jobs])
    assert exit_.value.code == 2
    assert "a number of processes or -1" in capsys.readouterr().err


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    code, err = run(capsys, "score", str(DEMO), "--out", str(tmp_path / "s.jsonl"))
    assert code == 0
    assert err.startswith("empathy-score: 12 calls, 12 scored")
    assert err.count("\n") == 1  # the summary line alone


def test_quiet_writes_nothing_on_stderr(tmp_path, capsys):
    code, err = run(capsys, "score", str(DEMO), "--out", str(tmp_path / "s.jsonl"), "--quiet")
    assert (code, err) == (0, "")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_with_the_error_count(tmp_path, capsys, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    main(["score", str(DEMO), str(BAD_LINES), "--out", str(tmp_path / "s.jsonl")])
    drawn = terminal.getvalue()
    assert "calls" in drawn
    assert "errors=1" in drawn
    assert drawn.splitlines()[-1].startswith("empathy-score: 15 calls, 14 scored, 1 errors")
