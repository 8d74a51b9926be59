"""The empathy-score command: records, summaries, exit codes, explain, train and evaluate."""

import csv
import io
import json
import re

import pytest

from empathy_score.cli import main

CALL = (
    "Klant: Er is vannacht ingebroken, ik ben er helemaal van slag van.\n"
    "Agent: Wat is uw polisnummer?\n"
)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_score_writes_one_jsonl_record_per_call_and_a_summary(tmp_path, capsys):
    (tmp_path / "inbraak.txt").write_text(CALL, encoding="utf-8")
    (tmp_path / "kapot.json").write_text("{niet: json", encoding="utf-8")
    code, out, err = run(capsys, "score", str(tmp_path))
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["status"] for r in records] == ["ok", "error"]
    assert records[0]["id"] == "inbraak"
    assert records[0]["straight_to_data"] is True
    assert "kapot.json" in records[1]["error"]
    assert "2 calls, 1 scored, 1 errors" in err
    assert code == 1


def test_score_exits_zero_when_everything_was_scored(tmp_path, capsys):
    (tmp_path / "inbraak.txt").write_text(CALL, encoding="utf-8")
    code, _, _ = run(capsys, "score", str(tmp_path / "inbraak.txt"), "--quiet")
    assert code == 0


def test_score_writes_csv_to_a_file(tmp_path, capsys):
    (tmp_path / "inbraak.txt").write_text(CALL, encoding="utf-8")
    out_file = tmp_path / "out.csv"
    run(capsys, "score", str(tmp_path / "inbraak.txt"), "--format", "csv", "--out", str(out_file))
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert rows[0]["straight_to_data"] == "True"
    assert rows[0]["data_requests"] == "1:policy_number"


def test_explain_marks_what_was_found_in_plain_brackets(tmp_path, capsys):
    path = tmp_path / "inbraak.txt"
    path.write_text(CALL, encoding="utf-8")
    code, out, _ = run(capsys, "explain", str(path), "--colour", "never")
    assert code == 0
    assert re.search(r"\[data policy_number: [^]]*polisnummer", out)
    assert re.search(r"\[opportunity burglary: [^]]*ingebroken", out)
    assert "Straight to data" in out
    assert "\033[" not in out


def test_explain_on_a_missing_file_says_so(tmp_path, capsys):
    code, _, err = run(capsys, "explain", str(tmp_path / "weg.txt"))
    assert code == 1
    assert "weg.txt" in err


def test_an_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["score", "--bestaat-niet", "x"])
    assert exit_info.value.code == 2


def test_evaluate_reports_three_systems_on_a_split(repo_root, capsys):
    code, out, _ = run(capsys, "evaluate", str(repo_root / "corpora" / "dev"), "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert set(report["systems"]) == {"rules", "classifier", "combined"}
    combined = report["systems"]["combined"]
    assert combined["overall"]["calls"] == report["calls"]
    assert {"asr", "clean"} <= set(combined["by_style"])
    assert combined["overall"]["straight_to_data"]["f1"] > 0.7
