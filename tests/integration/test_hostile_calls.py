"""One hostile call or file never stops a batch: it becomes its own record, the rest are scored."""

import json
import os
import shutil
from pathlib import Path

import pytest

from empathy_score.cli import main

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"
TURNS = [
    {"speaker": "customer", "text": "Mijn hond is aangereden."},
    {"speaker": "agent", "text": "Wat is uw polisnummer?"},
]


def _records(text):
    return [json.loads(line) for line in text.splitlines()]


def _deep(levels):
    meta: dict = {}
    inner = meta
    for _ in range(levels):
        inner["a"] = {}
        inner = inner["a"]
    return meta


def test_lone_surrogates_and_deep_meta_are_records_not_a_crash(tmp_path, capsys):
    calls = tmp_path / "calls.jsonl"
    lines = [
        {"id": "gewoon", "turns": TURNS},
        {
            "id": "tekst",
            "turns": [{"speaker": "customer", "text": "Mijn hond \ud800 is aangereden."}, TURNS[1]],
        },
        {"id": "id-\udfff", "meta": {"team": "\ud800", "\udc00": 1}, "turns": TURNS},
        {"id": "diep", "meta": _deep(600), "turns": TURNS},
        {"id": "daarna", "turns": TURNS},
    ]
    # json.dumps writes lone surrogates as \\u escapes, as a hostile exporter would
    calls.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    out = tmp_path / "v.jsonl"
    assert main(["score", str(calls), "--out", str(out), "--quiet", "--no-model"]) == 1
    records = _records(out.read_text(encoding="utf-8"))  # valid UTF-8, valid JSON
    assert [r["status"] for r in records] == ["ok", "ok", "ok", "error", "ok"]
    assert records[1]["straight_to_data"] is True
    assert records[2]["id"] == "id-\ufffd" and records[2]["meta"] == {"team": "\ufffd", "\ufffd": 1}
    assert records[3]["error"] == f"{calls}:4: meta is nested more than 32 levels deep"


@pytest.mark.skipif(os.name != "posix", reason="file names as bytes are a POSIX matter")
def test_a_file_name_that_is_not_utf8_is_scored_and_written(tmp_path, capsys):
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(DEMO / "hond_aangereden.txt", folder / "gewoon.txt")
    odd = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    shutil.copy(DEMO / "hond_aangereden.txt", odd)
    out = tmp_path / "v.jsonl"
    code = main(["score", str(folder), "--out", str(out), "--quiet", "--no-model"])
    records = _records(out.read_text(encoding="utf-8"))
    assert code == 0
    assert len(records) == 2 and all(r["status"] == "ok" for r in records)
    assert any("\ufffd" in r["source"] for r in records)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_the_input_folder_is_an_error_record_not_a_hang(tmp_path, capsys):
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(DEMO / "hond_aangereden.txt", folder / "a.txt")
    os.mkfifo(folder / "b.txt")  # nobody ever writes to it: opening it would block for good
    os.mkfifo(tmp_path / "named.txt")
    out = tmp_path / "v.jsonl"
    argv = ["score", str(folder), str(tmp_path / "named.txt"), "--out", str(out), "--quiet"]
    assert main([*argv, "--no-model"]) == 1
    records = _records(out.read_text(encoding="utf-8"))
    assert [r["status"] for r in records] == ["ok", "error", "error"]
    assert records[1]["error"].endswith(
        "b.txt: not a regular file (a pipe, socket or device): not read"
    )
    assert "named.txt: not a regular file" in records[2]["error"]


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\ufeff", "\u200e", "\u200f\u202a", " \u2060 "], ids=repr
)
def test_invisible_characters_never_decide_who_speaks(invisible):
    from empathy_score import parse_text

    call = parse_text(
        f"Klant: Mijn hond is aangereden.\n{invisible}Agent: Wat is uw polisnummer?\n"
        f"{invisible}Klant{invisible}: Hij ligt bij de dierenarts."
    )
    assert [(t.speaker, t.text) for t in call.turns] == [
        ("customer", "Mijn hond is aangereden."),
        ("agent", "Wat is uw polisnummer?"),
        ("customer", "Hij ligt bij de dierenarts."),
    ]


def test_a_webvtt_cue_that_cannot_be_timed_is_an_error_not_a_shorter_call(tmp_path, capsys):
    vtt = tmp_path / "gesprek.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nKlant: Mijn hond is aangereden.\n\n"
        "00:00:05,000 --> 00:00:07,000\nAgent: Wat vervelend voor u.\n\n"
        "00:00:08.000 --> 00:00:10.000\nAgent: Wat is uw polisnummer?\n",
        encoding="utf-8",
    )
    assert main(["score", str(vtt), "--quiet", "--no-model"]) == 1
    (record,) = _records(capsys.readouterr().out)
    assert record["status"] == "error"  # not straight_to_data on two of the three cues
    assert record["error"].startswith(
        f"{vtt}:6: cue timing '00:00:05,000 --> 00:00:07,000' is not WebVTT's hh:mm:ss.ttt"
    )


def test_a_call_that_breaks_a_library_is_its_own_record(tmp_path, capsys, monkeypatch):
    from empathy_score.components import Normalizer

    original = Normalizer.__call__

    def fragile(self, doc):  # a library bug that only this one text triggers
        if "boem" in doc.text:
            raise RuntimeError("kapot op boem")
        return original(self, doc)

    monkeypatch.setattr(Normalizer, "__call__", fragile)
    calls = tmp_path / "calls.jsonl"
    lines = [
        {"id": "voor", "turns": TURNS},
        {"id": "boem", "turns": [{"speaker": "customer", "text": "boem"}, TURNS[1]]},
        {"id": "na", "turns": TURNS},
    ]
    calls.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    # a scorer of its own: the monkeypatched component must not touch the shared pipeline
    assert main(["score", str(calls), "--quiet", "--no-model"]) == 1
    records = _records(capsys.readouterr().out)
    assert [r["status"] for r in records] == ["ok", "error", "ok"]
    assert records[1]["error"] == (
        f"{calls}: call 'boem' could not be scored: RuntimeError: kapot op boem"
    )


def test_a_crash_of_the_run_has_its_own_exit_code_and_says_how_to_go_on(
    tmp_path, capsys, monkeypatch
):
    from empathy_score import scorer

    def broken(self, *args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(scorer.EmpathyScorer, "score_many", broken)
    out = tmp_path / "v.jsonl"
    code = main(["score", str(DEMO), "--out", str(out), "--quiet", "--no-model"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.strip() == (
        "empathy-score: crashed: OSError: disk gone (score: --resume continues the run); "
        "EMPATHY_SCORE_DEBUG=1 shows the traceback"
    )


def test_escape_sequences_in_a_transcript_never_reach_the_terminal(tmp_path, capsys):
    call = tmp_path / "aanval.txt"
    call.write_text(
        "Klant: Mijn hond is aangereden.\x1b]0;gekaapt\x07\x1b[2J\n"
        "Agent: Wat is uw polisnummer?\x1b[31m\n",
        encoding="utf-8",
    )
    assert main(["explain", str(call), "--colour", "never", "--no-model"]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b]0;gekaapt\\x07\\x1b[2J" in shown

    verdicts = tmp_path / "v.jsonl"
    assert main(["score", str(call), "--out", str(verdicts), "--quiet", "--no-model"]) == 0
    assert main(["report", str(verdicts), "--show-pii"]) == 0
    report = capsys.readouterr().out
    assert "\x1b" not in report and "\x07" not in report


def test_colour_is_still_ours_to_add(tmp_path, capsys):
    call = tmp_path / "gewoon.txt"
    call.write_text("Klant: Mijn hond is aangereden.\nAgent: Wat is uw polisnummer?\n")
    assert main(["explain", str(call), "--colour", "always", "--no-model"]) == 0
    assert "\x1b[1;33maangereden" in capsys.readouterr().out


def test_nan_in_meta_is_written_as_strict_json(tmp_path, capsys):
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        '{"id": "n", "meta": {"score": NaN, "top": Infinity, "lijst": [1.5, -Infinity]}, '
        f'"turns": {json.dumps(TURNS)}}}\n',
        encoding="utf-8",
    )
    out = tmp_path / "v.jsonl"
    assert main(["score", str(calls), "--out", str(out), "--quiet", "--no-model"]) == 0
    line = out.read_text(encoding="utf-8")
    assert "NaN" not in line and "Infinity" not in line

    def strict(constant):
        raise AssertionError(f"not strict JSON: {constant}")

    record = json.loads(line, parse_constant=strict)
    assert record["meta"] == {"score": None, "top": None, "lijst": [1.5, None]}
