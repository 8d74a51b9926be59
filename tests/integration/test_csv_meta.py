"""CSV output keeps the meta a QA spreadsheet groups by, and lets the user choose columns."""

import csv
import io
import json

from empathy_score.cli import main
from empathy_score.table import COLUMNS


def _calls(tmp_path, *metas):
    path = tmp_path / "calls.jsonl"
    lines = []
    for n, meta in enumerate(metas):
        turns = [
            {"speaker": "customer", "text": "Mijn hond is aangereden."},
            {"speaker": "agent", "text": "Wat is uw polisnummer?"},
        ]
        lines.append(json.dumps({"id": f"c{n}", "meta": meta, "turns": turns}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_a_column_per_meta_key_and_loses_none(tmp_path, capsys):
    calls = _calls(
        tmp_path,
        {"team": "Schade", "agent": "AG-1", "status": "vip"},
        {"team": "Leven", "agent": "AG-2", "channel": "chat"},
    )
    assert main(["score", str(calls), "--format", "csv", "--quiet", "--no-model"]) == 0
    text = capsys.readouterr().out
    header = text.splitlines()[0].split(",")
    assert header == [*COLUMNS, "agent", "meta.status", "team", "meta"]
    first, second = _rows(text)
    assert (first["agent"], first["team"], first["meta.status"]) == ("AG-1", "Schade", "vip")
    assert first["meta"] == ""
    assert second["agent"] == "AG-2"
    assert json.loads(second["meta"]) == {"channel": "chat"}  # a key the first call lacked


def test_columns_chooses_verdict_fields_and_meta_keys(tmp_path, capsys):
    calls = _calls(tmp_path, {"team": "Schade", "agent": "AG-1"}, {"agent": "AG-2"})
    argv = ["score", str(calls), "--format", "csv", "--quiet", "--no-model"]
    assert main([*argv, "--columns", "id,straight_to_data,team,agent"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "id,straight_to_data,team,agent",
        "c0,True,Schade,AG-1",
        "c1,True,,AG-2",
    ]


def test_a_resumed_csv_run_keeps_the_columns_it_started_with(tmp_path, capsys):
    calls = _calls(tmp_path, {"team": "Schade"}, {"team": "Leven"})
    out = tmp_path / "v.csv"
    argv = ["score", str(calls), "--format", "csv", "--quiet", "--no-model", "--out", str(out)]
    assert main(argv) == 0
    whole = out.read_text(encoding="utf-8")
    out.write_text(whole.splitlines(keepends=True)[0] + whole.splitlines(keepends=True)[1])
    assert main([*argv, "--resume"]) == 0
    assert out.read_text(encoding="utf-8") == whole


def test_columns_is_for_csv_only(tmp_path, capsys):
    calls = _calls(tmp_path, {})
    assert main(["score", str(calls), "--columns", "id", "--quiet"]) == 2
    assert "--columns is for --format csv" in capsys.readouterr().err


def test_no_cell_from_the_input_starts_a_formula(tmp_path, capsys):
    calls = _calls(tmp_path, {"agent": '=HYPERLINK("http://x")', "team": "+31 6", "note": "@SUM"})
    path = tmp_path / "calls.jsonl"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["id"] = "-1+1"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert main(["score", str(calls), "--format", "csv", "--quiet", "--no-model"]) == 0
    (row,) = _rows(capsys.readouterr().out)
    assert row["id"] == "'-1+1"
    assert row["agent"] == '\'=HYPERLINK("http://x")'
    assert (row["team"], row["note"]) == ("'+31 6", "'@SUM")
    assert row["straight_to_data"] == "True"  # our own values are left alone

    verdicts = tmp_path / "v.jsonl"
    assert main(["score", str(calls), "--out", str(verdicts), "--quiet", "--no-model"]) == 0
    assert main(["report", str(verdicts), "--by", "agent", "--format", "csv"]) == 0
    report = _rows(capsys.readouterr().out)
    assert report[1]["agent"] == '\'=HYPERLINK("http://x")'
    assert (
        report[1]["missing_vs_baseline_pp"].startswith("+")
        or report[1]["missing_vs_baseline_pp"][0].isdigit()
    )  # numbers keep their sign
