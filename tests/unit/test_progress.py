"""The progress bar of `empathy-score score`: drawn on a terminal only, errors counted."""

from __future__ import annotations

import io
from pathlib import Path

from empathy_score import CallVerdict
from empathy_score.progress import ProgressBar, count_calls

DATA = Path(__file__).parent.parent / "data" / "transcripts"

OK = CallVerdict(id="inbraak", source="inbraak.txt")
ERROR = CallVerdict.from_error("kapot.json: invalid JSON", id="kapot", source="kapot.json")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_calls_are_counted_per_file_and_per_jsonl_line(tmp_path):
    (tmp_path / "a.txt").write_text("Klant: Mijn auto is gestolen.\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": 1}\n\n{"id": 2}\n{"id": 3}\n', encoding="utf-8")
    (tmp_path / "notities.md").write_text("geen gesprek\n", encoding="utf-8")
    assert count_calls([tmp_path]) == 4


def test_a_missing_path_counts_as_one_call_its_error_record():
    assert count_calls([DATA / "bestaat_niet.txt", DATA / "single_call.jsonl"]) == 2


def test_nothing_is_drawn_when_the_stream_is_not_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for verdict in (OK, ERROR, OK):
        bar(verdict)
    bar.close()
    assert (stream.getvalue(), bar.shown, bar.errors) == ("", False, 1)


def test_quiet_draws_nothing_even_on_a_terminal():
    terminal = Terminal()
    bar = ProgressBar(terminal, enabled=False)
    bar(OK)
    bar.close()
    assert terminal.getvalue() == ""


def test_a_terminal_sees_calls_done_and_errors_so_far():
    terminal = Terminal()
    bar = ProgressBar(terminal)
    for verdict in (OK, ERROR, OK):
        bar(verdict)
    bar.close()
    final = terminal.getvalue().split("\r")[-1]
    assert "3 calls" in final
    assert "errors=1" in final
    assert "calls/s" in final
