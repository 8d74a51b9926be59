"""A call of more turns than any conversation has is reported, never scored into gigabytes.

Scoring holds a spaCy ``Doc`` per turn until its call is decided, so the number of turns, not
the number of bytes, is what a call costs; ``max_turns`` bounds it beside ``max_bytes``.
"""

from __future__ import annotations

import json
import tracemalloc

import pytest

from empathy_score.cli import main
from empathy_score.errors import TranscriptError
from empathy_score.transcript import DEFAULT_MAX_TURNS, iter_transcripts, load_transcript

GOOD = "Medewerker: Goedemiddag, waarmee kan ik u helpen?\nKlant: Mijn fiets is gestolen.\n"


def short_turns(count: int) -> str:
    """``count`` one-word turns, agent and customer in turn, one line each."""
    words = ("ja", "nee", "oké", "goed", "prima")
    return "".join(
        f"{'Klant' if i % 2 else 'Medewerker'}: {words[i % len(words)]}\n" for i in range(count)
    )


def test_a_txt_call_over_the_limit_is_an_error_naming_the_line_where_it_is_crossed(tmp_path):
    path = tmp_path / "log.txt"
    path.write_text("\n" + short_turns(12), "utf-8")  # a blank first line: turn 11 is on line 12
    (tmp_path / "volgend.txt").write_text(GOOD, "utf-8")
    too_many, good = iter_transcripts(tmp_path, max_turns=10)
    assert isinstance(too_many, TranscriptError)
    assert (too_many.path, too_many.line) == (str(path), 12)
    assert too_many.reason.startswith("too many turns: turn 11 starts here")
    assert "max_turns=10" in too_many.reason
    assert good.id == "volgend"
    assert len(load_transcript(path, max_turns=12).turns) == 12  # at the limit: read


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv", ".vtt"])
def test_every_format_keeps_to_the_limit(tmp_path, suffix):
    turns = [("agent" if i % 2 else "klant", f"zin {i}") for i in range(6)]
    path = tmp_path / f"gesprek{suffix}"
    if suffix in (".json", ".jsonl"):
        call = {"id": "g1", "turns": [{"speaker": s, "text": t} for s, t in turns]}
        path.write_text(json.dumps(call) + "\n", "utf-8")
        line = 1 if suffix == ".jsonl" else None
    elif suffix == ".csv":
        rows = "".join(f"g1,{s},{t}\n" for s, t in turns)
        path.write_text("call_id,speaker,text\n" + rows, "utf-8")
        line = 7  # the header, then the sixth turn's row
    else:
        cues = "".join(
            f"00:00:{i:02d}.000 --> 00:00:{i:02d}.900\n<v {s.title()}>{t}\n\n"
            for i, (s, t) in enumerate(turns)
        )
        path.write_text("WEBVTT\n\n" + cues, "utf-8")
        line = None
    (error,) = iter_transcripts(path, max_turns=5)
    assert isinstance(error, TranscriptError), error
    assert error.reason.startswith("too many turns: turn 6 starts here, the limit is max_turns=5")
    assert error.path == str(path)
    if line is not None:
        assert error.line == line
    (call,) = iter_transcripts(path, max_turns=6)
    assert len(call.turns) == 6


def test_reading_a_file_of_600000_turns_stops_at_the_limit_and_stays_small(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_text(short_turns(600_000), "utf-8")  # about 6 MB: under max_bytes
    tracemalloc.start()
    try:
        (error,) = iter_transcripts(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, TranscriptError), error
    assert error.line == DEFAULT_MAX_TURNS + 1
    # the file's bytes and text (12 MB) and the turns up to the limit; all 600,000 were 220 MB
    assert peak < 50_000_000, f"reading peaked at {peak / 1e6:.0f} MB"


def test_the_command_writes_an_error_record_for_the_call_and_scores_the_rest(tmp_path, capsys):
    calls = tmp_path / "gesprekken"
    calls.mkdir()
    (calls / "dump.txt").write_text(short_turns(DEFAULT_MAX_TURNS + 1), "utf-8")
    (calls / "fiets.txt").write_text(GOOD, "utf-8")
    out = tmp_path / "scores.jsonl"
    assert main(["score", str(calls), "--out", str(out), "--no-model"]) == 1
    dump, fiets = (json.loads(line) for line in out.read_text("utf-8").splitlines())
    assert dump["status"] == "error"
    assert f"dump.txt:{DEFAULT_MAX_TURNS + 1}: too many turns" in dump["error"]
    assert fiets["status"] == "ok"
    assert "2 calls, 1 scored, 1 errors" in capsys.readouterr().err


@pytest.mark.parametrize("value", [0, -3, True, 2.5])
def test_max_turns_must_be_a_positive_integer(value):
    with pytest.raises(ValueError, match="max_turns must be"):
        iter_transcripts("map", max_turns=value)
