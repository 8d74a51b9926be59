"""Reading .csv and .tsv exports: one row per turn, many calls, meta columns, row-level errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from empathy_score.errors import TranscriptError
from empathy_score.readers.tabular import parse_seconds
from empathy_score.transcript import (
    AGENT,
    CUSTOMER,
    Transcript,
    Turn,
    iter_transcripts,
    load_transcript,
)

DATA = Path(__file__).parent.parent / "data" / "readers"


def read(path: Path, **options) -> list[Transcript | TranscriptError]:
    return list(iter_transcripts(path, **options))


def test_a_semicolon_csv_holds_many_calls_in_order():
    calls = read(DATA / "calls_semicolon.csv")
    assert [call.id for call in calls] == ["schade-01", "lease-02"]
    assert [turn.speaker for turn in calls[0].turns] == [AGENT, CUSTOMER, AGENT]


def test_each_row_keeps_its_line_and_times_in_seconds_or_clock_time():
    schade, lease = read(DATA / "calls_semicolon.csv")
    assert schade.turns[1] == Turn(
        CUSTOMER,
        "Ik ben tegen een paaltje gereden, de bumper is ingedeukt.",
        line=3,
        start=2.8,
        end=6.0,
    )
    assert (lease.turns[0].start, lease.turns[0].end) == (0.5, 4.0)
    assert lease.turns[0].text == "Mijn leaseauto staat stil; de motor is uitgevallen."


def test_extra_columns_become_meta():
    schade, lease = read(DATA / "calls_semicolon.csv")
    assert dict(schade.meta) == {"team": "schade", "datum": "2024-03-12"}
    assert dict(lease.meta) == {"team": "lease", "datum": "2024-03-13"}


def test_a_meta_column_that_varies_within_a_call_keeps_every_row_value(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "call_id,speaker,text,sentiment\n"
        "c1,agent,Goedemiddag.,neutraal\n"
        "c1,klant,Mijn fiets is gestolen!,boos\n",
        "utf-8",
    )
    (call,) = read(path)
    assert call.meta["sentiment"] == ["neutraal", "boos"]


def test_a_tsv_file_is_split_on_tabs_and_anonymous_speakers_are_inferred_per_call():
    c1, c2 = read(DATA / "calls.tsv")
    assert [turn.speaker for turn in c1.turns] == [AGENT, CUSTOMER, AGENT]
    assert c1.meta["role_inference"]["agent_speaker"] == "SPEAKER_00"
    assert [turn.speaker for turn in c2.turns] == [CUSTOMER, AGENT]
    assert "role_inference" not in c2.meta


def test_rows_of_one_call_need_not_be_adjacent(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "call_id,speaker,text\n"
        "a,agent,Goedemiddag.\n"
        "b,agent,Goedemorgen.\n"
        "a,klant,Ik heb een vraag.\n"
        "b,klant,Mijn auto is gestolen.\n",
        "utf-8",
    )
    a, b = read(path)
    assert [(a.id, [t.text for t in a.turns]), (b.id, [t.line for t in b.turns])] == [
        ("a", ["Goedemiddag.", "Ik heb een vraag."]),
        ("b", [3, 5]),
    ]


def test_dutch_column_names_are_understood(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("gesprek_id;spreker;tekst\ng1;medewerker;Goedemiddag.\n", "utf-8")
    (call,) = read(path)
    assert (call.id, call.turns[0].speaker) == ("g1", AGENT)


def test_a_bad_row_makes_only_its_call_an_error_naming_file_line_and_call():
    path = DATA / "bad_rows.csv"
    results = read(path)
    assert [r.id if isinstance(r, Transcript) else (r.line, r.reason[:30]) for r in results] == [
        "ok-1",
        (5, "call 'slecht-2': unknown speak"),
        (6, "row has no call_id"),
        (7, "call 'tijd-3': start: 'om tien"),
        "ok-4",
    ]
    assert str(results[1]).startswith(f"{path}:5: ")


def test_a_quoted_field_may_span_lines_and_the_turn_keeps_the_row_start_line():
    (ok4,) = [r for r in read(DATA / "bad_rows.csv") if getattr(r, "id", None) == "ok-4"]
    assert ok4.turns[0] == Turn(CUSTOMER, "Mijn internet valt steeds weg.", line=8, start=0.0)
    assert ok4.turns[1].line == 10


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("klant;tekst\nJan;Hallo\n", "the header needs columns call_id, speaker"),
        ("call_id,speaker,text\n", "no rows: the table has only a header"),
        ("call_id,speaker,text,call\nc1,agent,Hallo,c1\n", "two columns for 'call_id'"),
    ],
    ids=["no required columns", "header only", "two call id columns"],
)
def test_a_table_that_cannot_be_read_is_one_error_for_the_file(tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_text(content, "utf-8")
    (result,) = read(path)
    assert isinstance(result, TranscriptError)
    assert message in result.reason


def test_a_row_with_the_wrong_number_of_fields_is_reported_at_its_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("call_id,speaker,text\nc1,agent,Goedemiddag.,extra\n", "utf-8")
    (result,) = read(path)
    assert (result.line, result.reason) == (
        2,
        "call 'c1': expected 3 fields as in the header, got 4",
    )


def test_an_end_before_the_start_is_an_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("call_id,speaker,text,start,end\nc1,agent,Hallo,5,2\n", "utf-8")
    (result,) = read(path)
    assert result.reason == "call 'c1': end (2) is before start (5)"


def test_load_transcript_reads_a_table_with_one_call_and_refuses_one_with_more(tmp_path):
    one = tmp_path / "een.csv"
    one.write_text("call_id,speaker,text\nc1,agent,Goedemiddag.\nc1,klant,Hallo.\n", "utf-8")
    assert load_transcript(one).id == "c1"
    with pytest.raises(TranscriptError, match="more than one call; use iter_transcripts"):
        load_transcript(DATA / "calls_semicolon.csv")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("", None),
        ("12", 12.0),
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("1:02", 62.0),
        ("00:01:02.500", 62.5),
        ("01:00:00,25", 3600.25),
    ],
)
def test_times_are_read_as_seconds_or_clock_times(value, seconds):
    assert parse_seconds(value) == seconds


@pytest.mark.parametrize("value", ["-3", "om tien uur", "1:2:3:4", "nan"])
def test_a_value_that_is_no_time_is_rejected(value):
    with pytest.raises(ValueError, match="is not a time"):
        parse_seconds(value)
