"""A newcomer's first mistakes get one clear line on stderr and exit 2, not a quiet fallback."""

import json
import shutil

import pytest

from empathy_score.cli import main

DEMO_CALL = "Klant: Mijn hond is aangereden.\nAgent: Wat is uw polisnummer?\n"


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_evaluate_with_a_missing_model_fails_instead_of_falling_back(repo_root, tmp_path, capsys):
    missing = tmp_path / "missing.npz"
    code, out, err = _run(
        ["evaluate", str(repo_root / "corpora" / "test"), "--model", str(missing)], capsys
    )
    assert code == 2
    assert out == ""
    assert str(missing) in err and "no model file" in err
    assert len(err.strip().splitlines()) == 1


def test_evaluate_with_a_tampered_model_fails(repo_root, tmp_path, capsys):
    for suffix in (".npz", ".json"):
        shutil.copy(repo_root / "models" / f"straight_to_data{suffix}", tmp_path / f"m{suffix}")
    with open(tmp_path / "m.npz", "ab") as handle:
        handle.write(b"\0")
    code, _, err = _run(
        ["evaluate", str(repo_root / "corpora" / "test"), "--model", str(tmp_path / "m.npz")],
        capsys,
    )
    assert code == 2
    assert "does not match the manifest" in err


def test_model_sha256_must_match_the_model_file(repo_root, tmp_path, capsys):
    for suffix in (".npz", ".json"):
        shutil.copy(repo_root / "models" / f"straight_to_data{suffix}", tmp_path / f"m{suffix}")
    call = tmp_path / "call.txt"
    call.write_text(DEMO_CALL, encoding="utf-8")
    model = ["--model", str(tmp_path / "m.npz")]
    wrong = ["--model-sha256", "ab" * 32]
    for argv in (
        ["score", str(call), *model, *wrong],
        ["explain", str(call), *model, *wrong],
        ["report", str(call), *model, *wrong],
        ["evaluate", str(repo_root / "corpora" / "test"), *model, *wrong],
    ):
        code, out, err = _run(argv, capsys)
        assert code == 2, argv[0]
        assert out == ""
        assert "is not the one asked for" in err and "m.npz" in err
    right = json.loads((tmp_path / "m.json").read_text())["sha256"]
    code, out, _ = _run(["score", str(call), *model, "--model-sha256", right, "--quiet"], capsys)
    assert code == 0
    assert json.loads(out)["straight_to_data_probability"] is not None


@pytest.mark.parametrize("command", ["score", "explain", "report"])
def test_a_model_hash_with_no_model_is_refused_not_ignored(command, tmp_path, capsys):
    call = tmp_path / "call.txt"
    call.write_text(DEMO_CALL, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main([command, str(call), "--no-model", "--model-sha256", "ab" * 32])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--model-sha256" in captured.err and "--no-model" in captured.err


def test_a_pickled_model_is_refused_with_how_to_retrain(tmp_path, capsys):
    call = tmp_path / "call.txt"
    call.write_text(DEMO_CALL, encoding="utf-8")
    (tmp_path / "old.joblib").write_bytes(b"\x80\x04N.")  # pickle of None
    code, out, err = _run(["score", str(call), "--model", str(tmp_path / "old.joblib")], capsys)
    assert code == 2
    assert out == ""
    assert "pickled models are no longer loaded" in err and "empathy-score train" in err


def test_report_on_a_file_that_does_not_exist_names_it(tmp_path, capsys):
    code, out, err = _run(["report", str(tmp_path / "no_such.jsonl")], capsys)
    assert code == 2
    assert out == ""
    assert (
        err.strip()
        == f"empathy-score: report: no such file or folder: '{tmp_path / 'no_such.jsonl'}'"
    )


def test_evaluate_on_a_folder_that_does_not_exist_names_it(tmp_path, capsys):
    code, _, err = _run(["evaluate", str(tmp_path / "nowhere")], capsys)
    assert code == 2
    assert "evaluate: no such file or folder" in err and "nowhere" in err


def test_score_with_a_missing_model_fails_before_scoring(tmp_path, capsys):
    call = tmp_path / "call.txt"
    call.write_text(DEMO_CALL, encoding="utf-8")
    code, out, err = _run(["score", str(call), "--model", str(tmp_path / "nope.npz")], capsys)
    assert code == 2
    assert out == ""  # no error record per call: the command itself was wrong
    assert "nope.npz" in err


def test_score_no_model_scores_with_the_rules_alone(tmp_path, capsys):
    call = tmp_path / "call.txt"
    call.write_text(DEMO_CALL, encoding="utf-8")
    code, out, _ = _run(["score", str(call), "--no-model", "--quiet"], capsys)
    record = json.loads(out)
    assert code == 0
    assert record["straight_to_data"] is True
    assert record["straight_to_data_probability"] is None  # no classifier ran


def test_model_and_no_model_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["score", str(tmp_path), "--model", "m.npz", "--no-model"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unknown_speaker_label_suggests_the_command_line_option(tmp_path, capsys):
    call = tmp_path / "call.txt"
    call.write_text("Mw: Goedemiddag.\nKlant: Mijn hond is aangereden.\n", encoding="utf-8")
    code, out, _ = _run(["score", str(call), "--quiet"], capsys)
    assert code == 1
    error = json.loads(out)["error"]
    assert f"{call}:1: unknown speaker label 'Mw'" in error
    assert "--alias mw=agent" in error


def test_one_pattern_file_where_a_list_was_meant_is_named_plainly():
    from empathy_score import load_nlp
    from empathy_score.errors import PatternError

    with pytest.raises(PatternError, match=r"must be a list of pattern files.*'mine.jsonl'"):
        load_nlp(extra_patterns={"empathy": "mine.jsonl"})
