"""Output and input are kept apart: a run never reads its own output, nor destroys its input."""

import json
import shutil
from pathlib import Path

import pytest

from empathy_score.cli import main

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


def _folder(tmp_path):
    calls = tmp_path / "calls"
    shutil.copytree(DEMO, calls)
    return calls


def test_a_folder_scored_with_its_own_output_inside_never_reads_it(tmp_path, capsys):
    calls = _folder(tmp_path)
    out = calls / "v.jsonl"
    assert main(["score", str(calls), "--out", str(out), "--quiet"]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(list(DEMO.glob("*.txt")))
    assert all(r["status"] == "ok" for r in records)
    # resumed as the same folder spelled another way: still not an input, nothing added
    again = tmp_path / "." / "calls"
    assert main(["score", str(again), "--out", str(out), "--quiet", "--resume"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(records)


def test_an_output_that_is_one_of_the_inputs_is_refused_and_the_input_kept(tmp_path, capsys):
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        json.dumps(
            {
                "id": "c1",
                "turns": [
                    {"speaker": "customer", "text": "Mijn hond is aangereden."},
                    {"speaker": "agent", "text": "Wat is uw polisnummer?"},
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    before = calls.read_bytes()
    for extra in ([], ["--force"], ["--resume"]):
        assert main(["score", str(calls), "--out", str(calls), "--quiet", *extra]) == 2
        err = capsys.readouterr().err
        assert "is one of the inputs" in err and len(err.strip().splitlines()) == 1
        assert calls.read_bytes() == before


def test_an_existing_output_is_kept_unless_the_user_says_resume_or_force(tmp_path, capsys):
    out = tmp_path / "v.jsonl"
    out.write_text("earlier work\n", encoding="utf-8")
    call = str(DEMO / "hond_aangereden.txt")
    assert main(["score", call, "--out", str(out), "--quiet"]) == 2
    assert "exists and is not empty; --resume continues it, --force overwrites it" in (
        capsys.readouterr().err
    )
    assert out.read_text(encoding="utf-8") == "earlier work\n"
    assert main(["score", call, "--out", str(out), "--quiet", "--force"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == "hond_aangereden"


def test_report_does_not_overwrite_without_force(tmp_path, capsys):
    verdicts = tmp_path / "v.jsonl"
    assert main(["score", str(DEMO), "--out", str(verdicts), "--quiet"]) == 0
    page = tmp_path / "report.txt"
    page.write_text("last week's report\n", encoding="utf-8")
    assert main(["report", str(verdicts), "--out", str(page)]) == 2
    assert page.read_text(encoding="utf-8") == "last week's report\n"
    assert main(["report", str(verdicts), "--out", str(page), "--force"]) == 0
    assert page.read_text(encoding="utf-8").startswith("Empathy report:")


def test_a_run_resumed_with_the_folder_spelled_otherwise_equals_a_clean_one(
    tmp_path, capsys, monkeypatch
):
    calls = _folder(tmp_path)
    clean = tmp_path / "clean.jsonl"
    assert main(["score", str(calls), "--out", str(clean), "--quiet", "--no-model"]) == 0
    out = tmp_path / "v.jsonl"
    monkeypatch.chdir(tmp_path)
    assert main(["score", "calls", "--out", "v.jsonl", "--quiet", "--no-model"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:5]), encoding="utf-8")  # as if stopped after five calls
    link = tmp_path / "elders"
    link.symlink_to(calls)
    again = ["score", str(link) + "/", "--out", str(out), "--quiet", "--no-model", "--resume"]
    assert main(again) == 0
    assert "none of the" not in capsys.readouterr().err
    done = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert done == [json.loads(line)["id"] for line in clean.read_text().splitlines()]


def test_resume_says_so_when_nothing_earlier_matches(tmp_path, capsys):
    out = tmp_path / "v.jsonl"
    first = str(DEMO / "hond_aangereden.txt")
    assert main(["score", first, "--out", str(out), "--quiet", "--no-model"]) == 0
    other = str(DEMO / "zoon_ziek_leaseauto.txt")
    assert main(["score", other, "--out", str(out), "--quiet", "--no-model", "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"none of the 1 calls already in {out} matched these inputs" in err


def test_an_output_in_a_missing_folder_is_one_line(tmp_path, capsys):
    out = tmp_path / "nergens" / "v.jsonl"
    assert main(["score", str(DEMO), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"empathy-score: --out {out}: the folder {out.parent} does not exist"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is full)")
def test_a_full_disk_is_one_line_with_the_resume_hint(capsys):
    assert main(["score", str(DEMO), "--out", "/dev/full", "--quiet", "--no-model"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "empathy-score: cannot write /dev/full: No space left on device; "
        "--resume continues once it can be written"
    )
