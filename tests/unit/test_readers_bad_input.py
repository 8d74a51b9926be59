"""Hostile and broken input: each kind gets a specific error naming the file; reading goes on."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from empathy_score.errors import TranscriptError, TranscriptWarning
from empathy_score.scorer import EmpathyScorer
from empathy_score.transcript import (
    SUPPORTED_SUFFIXES,
    Transcript,
    iter_transcripts,
    load_transcript,
    one_sided,
    parse_text,
)

GOOD = {
    ".txt": "Medewerker: Goedemiddag, waarmee kan ik u helpen?\nKlant: Mijn fiets is gestolen.\n",
    ".json": json.dumps(
        {
            "turns": [
                {"speaker": "agent", "text": "Goedemiddag."},
                {"speaker": "klant", "text": "Hoi."},
            ]
        }
    ),
    ".csv": "call_id;speaker;text\nc1;Medewerker;Goedemiddag.\nc1;Klant;Hallo, ik heb één vraag.\n",
    ".vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Agent>Goedemiddag, café De Zon.\n",
    ".srt": "1\n00:00:00,000 --> 00:00:02,000\nKlant: Hallo, ik heb één vraag.\n",
}


def only(results: list) -> TranscriptError:
    (result,) = results
    assert isinstance(result, TranscriptError), result
    return result


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_an_empty_file_is_an_error_naming_it(tmp_path, suffix):
    path = tmp_path / f"gesprek{suffix}"
    path.write_bytes(b"")
    error = only(list(iter_transcripts(path)))
    assert (error.path, error.reason) == (str(path), "empty file")


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_a_binary_file_is_an_error_naming_it(tmp_path, suffix):
    path = tmp_path / f"opname{suffix}"
    path.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00" * 4)
    error = only(list(iter_transcripts(path)))
    assert error.path == str(path)
    assert error.reason.startswith("binary file")


@pytest.mark.parametrize("suffix", [".csv", ".vtt", ".srt"])
def test_invalid_utf8_is_read_as_windows_1252_with_a_warning(tmp_path, suffix):
    path = tmp_path / f"gesprek{suffix}"
    path.write_bytes(GOOD[suffix].encode("cp1252"))
    with pytest.warns(TranscriptWarning, match="not valid UTF-8; read as Windows-1252"):
        (transcript,) = iter_transcripts(path)
    assert any(("één" in t.text or "café" in t.text) for t in transcript.turns)


@pytest.mark.parametrize("suffix", [".txt", ".json", ".csv", ".vtt", ".srt"])
def test_a_file_over_max_bytes_is_refused_with_the_limit_in_the_message(tmp_path, suffix):
    path = tmp_path / f"gesprek{suffix}"
    path.write_text(GOOD[suffix], "utf-8")
    error = only(list(iter_transcripts(path, max_bytes=20)))
    assert error.reason.startswith(f"file too large: {path.stat().st_size:,} bytes")
    assert "max_bytes=20" in error.reason
    assert isinstance(load_transcript(path), Transcript)  # the default limit reads it


def test_a_50_mb_single_line_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "dump.txt"
    with path.open("wb") as stream:
        stream.write(b"Klant: ")
        stream.write(b"a" * (50 * 1024 * 1024))
    error = only(list(iter_transcripts(path)))
    assert error.reason.startswith("file too large: 52,428,807 bytes")


def test_a_50_mb_line_in_a_jsonl_file_is_skipped_and_the_next_line_is_read(tmp_path):
    path = tmp_path / "gesprekken.jsonl"
    call = json.dumps({"id": "na", "turns": [{"speaker": "klant", "text": "Hallo."}]})
    with path.open("wb") as stream:
        stream.write(b'{"id": "lang", "turns": [{"speaker": "klant", "text": "')
        stream.write(b"a" * (50 * 1024 * 1024))
        stream.write(b'"}]}\n' + call.encode() + b"\n")
    too_long, after = iter_transcripts(path)
    assert (too_long.line, too_long.reason.startswith("line too large")) == (1, True)
    assert after.id == "na"


@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_a_turn_too_long_for_speech_is_an_error_and_the_next_file_is_read(tmp_path, suffix):
    said = "hallo " * 20_000  # under max_bytes, over spaCy's patience for one turn
    path = tmp_path / f"a{suffix}"
    if suffix == ".txt":
        path.write_text(f"Agent: Goedemiddag.\nKlant: {said}\n", "utf-8")
    else:
        path.write_text(f"call_id,speaker,text\nc1,agent,Goedemiddag.\nc1,klant,{said}\n", "utf-8")
    (tmp_path / "b.txt").write_text(GOOD[".txt"], "utf-8")
    too_long, good = iter_transcripts(tmp_path)
    assert (too_long.path, too_long.line) == (str(path), 2 if suffix == ".txt" else 3)
    assert too_long.reason.startswith("turn too long: 119,999 characters, the limit is 100,000")
    assert good.id == "b"


def test_max_bytes_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="max_bytes must be positive"):
        iter_transcripts("map", max_bytes=0)


def test_agent_speaker_must_be_a_non_empty_string():
    with pytest.raises(ValueError, match="agent_speaker must be a non-empty string"):
        iter_transcripts("map", agent_speaker=" ")


@pytest.mark.parametrize("suffix", [".txt", ".json", ".csv"])
def test_an_unreadable_file_is_reported_as_permission_denied(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"geheim{suffix}"
    path.write_text(GOOD[suffix], "utf-8")
    real_open = pathlib.Path.open

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    error = only(list(iter_transcripts(path)))
    assert (error.path, error.reason) == (str(path), "permission denied")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission_is_reported(tmp_path):
    path = tmp_path / "geheim.txt"
    path.write_text(GOOD[".txt"], "utf-8")
    path.chmod(0)
    error = only(list(iter_transcripts(path)))
    assert error.reason == "permission denied"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_file_symlink_loop_in_a_folder_is_an_error_naming_it(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD[".txt"], "utf-8")
    (tmp_path / "lus.txt").symlink_to(tmp_path / "lus.txt")
    good, loop = iter_transcripts(tmp_path)
    assert good.id == "a"
    assert loop.path == str(tmp_path / "lus.txt")
    assert "symbolic links" in loop.reason


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_dangling_symlink_is_an_error_naming_it(tmp_path):
    (tmp_path / "weg.txt").symlink_to(tmp_path / "bestaat_niet.txt")
    error = only(list(iter_transcripts(tmp_path)))
    assert (error.path, error.reason) == (str(tmp_path / "weg.txt"), "no such file or directory")


def test_a_duplicate_id_across_files_is_an_error_naming_both_files(tmp_path):
    call = {"id": "gesprek-7", "turns": [{"speaker": "agent", "text": "Goedemiddag."}]}
    (tmp_path / "a.json").write_text(json.dumps(call), "utf-8")
    (tmp_path / "b.json").write_text(json.dumps(call), "utf-8")
    first, second = iter_transcripts(tmp_path)
    assert first.id == "gesprek-7"
    assert isinstance(second, TranscriptError)
    assert second.path == str(tmp_path / "b.json")
    assert second.reason.startswith(
        f"duplicate id 'gesprek-7': already read from {tmp_path / 'a.json'}"
    )


def test_a_duplicate_id_within_a_jsonl_file_names_both_lines(tmp_path):
    path = tmp_path / "gesprekken.jsonl"
    call = json.dumps({"id": "7", "turns": [{"speaker": "agent", "text": "Goedemiddag."}]})
    path.write_text(f"{call}\n{call}\n", "utf-8")
    _, second = iter_transcripts(path)
    assert str(second) == (
        f"{path}:2: duplicate id '7': already read from {path}:1; "
        'give every call its own id (file name, or "id" / call_id)'
    )


def test_the_scorer_finds_duplicates_across_separate_inputs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "gesprek.txt").write_text(GOOD[".txt"], "utf-8")
    entries = list(EmpathyScorer(model=None).iter_inputs([tmp_path / "a", tmp_path / "b"]))
    assert isinstance(entries[0], Transcript)
    assert "duplicate id 'gesprek'" in str(entries[1])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Klant: Mijn hond is aangereden.\nKlant: Hallo? Is daar iemand?", "no agent turns"),
        ("Agent: Goedemiddag, waarmee kan ik u helpen?", "no customer turns"),
        ("Agent: Goedemiddag.\nKlant: Hallo.", None),
    ],
)
def test_a_call_with_only_one_side_is_named(text, problem):
    found = one_sided(parse_text(text))
    assert (found or "").startswith(problem or "")
    assert (found is None) is (problem is None)


def test_the_scorer_reports_a_one_sided_call_as_an_error_and_scores_the_rest(tmp_path):
    (tmp_path / "alleen_klant.txt").write_text("Klant: Mijn hond is aangereden.", "utf-8")
    (tmp_path / "goed.txt").write_text(GOOD[".txt"], "utf-8")
    one_sided_call, good = EmpathyScorer(model=None).score_many(tmp_path)
    assert (one_sided_call.id, one_sided_call.status) == ("alleen_klant", "error")
    assert one_sided_call.error.startswith(f"{tmp_path / 'alleen_klant.txt'}: no agent turns")
    assert good.ok


def test_an_anonymous_call_with_one_speaker_is_one_sided(tmp_path):
    path = tmp_path / "gesprek.json"
    segment = {
        "speaker": "SPEAKER_00",
        "start": 0,
        "end": 3,
        "text": "Ik bel omdat mijn auto weg is.",
    }
    path.write_text(json.dumps([segment]), "utf-8")
    (verdict,) = EmpathyScorer(model=None).score_many(path)
    assert verdict.error.endswith(
        "no agent turns: only the customer speaks (one speaker), so there is no agent to judge; "
        "check the speaker labels (aliases, agent_speaker)"
    )
