"""The command line on real-world input: anonymous speakers, --agent-speaker, --redact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from empathy_score.cli import main
from empathy_score.cli.score import redacted_verdict
from empathy_score.verdict import CallVerdict, Evidence

READERS = Path(__file__).parent.parent / "data" / "readers"

DOG = [
    {
        "speaker": "SPEAKER_00",
        "start": 0.0,
        "end": 4.0,
        "text": "Goedemiddag, mijn hond is aangereden door een auto, ik ben zo geschrokken.",
    },
    {
        "speaker": "SPEAKER_01",
        "start": 4.2,
        "end": 6.0,
        "text": "Mag ik uw polisnummer? En uw postcode, is dat 2011 KL?",
    },
]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_score_reads_every_new_format_and_carries_the_role_inference(tmp_path, capsys):
    for name in ("whisperx.json", "calls.tsv", "voice_tags.vtt", "whisperx_cues.srt"):
        shutil.copy(READERS / name, tmp_path / name)
    code, out, _err = run(capsys, "score", str(tmp_path), "--quiet")
    found = {r["id"]: r for r in records(out)}
    assert sorted(found) == ["c1", "c2", "voice_tags", "whisperx", "whisperx_cues"]
    assert all(r["status"] == "ok" for r in found.values()), found
    assert found["whisperx"]["meta"]["role_inference"]["agent_speaker"] == "SPEAKER_01"
    assert code == 0


def test_agent_speaker_overrides_the_guess_on_score(tmp_path, capsys):
    path = tmp_path / "hond.json"
    path.write_text(json.dumps(DOG), "utf-8")
    _, out, _ = run(capsys, "score", str(path), "--quiet", "--agent-speaker", "SPEAKER_00")
    (record,) = records(out)
    assert record["meta"]["role_inference"]["method"] == "override"
    assert record["straight_to_data"] is False  # the "agent" now is the one who told the story


def test_an_agent_speaker_absent_from_an_anonymous_call_is_an_error_record(tmp_path, capsys):
    path = tmp_path / "hond.json"
    path.write_text(json.dumps(DOG), "utf-8")
    code, out, err = run(capsys, "score", str(path), "--agent-speaker", "SPEAKER_05")
    (record,) = records(out)
    assert "agent speaker 'SPEAKER_05' does not speak in this call" in record["error"]
    assert "1 errors" in err
    assert code == 1


def test_redact_masks_personal_data_in_every_evidence_text():
    found = Evidence(
        turn=1, label="license_plate", text="kenteken GH-412-K", start=0, end=17, rule="dr.test"
    )
    verdict = CallVerdict(
        id="c1", source=None, markers=(found,), data_requests=(found,), opportunities=(found,)
    )
    masked = redacted_verdict(verdict)
    texts = [e.text for e in (*masked.markers, *masked.data_requests, *masked.opportunities)]
    assert texts == ["kenteken [PLATE]"] * 3
    assert (masked.id, masked.data_requests[0].rule) == ("c1", "dr.test")


def test_score_with_redact_writes_the_same_verdicts(tmp_path, capsys):
    path = tmp_path / "hond.json"
    path.write_text(json.dumps(DOG), "utf-8")
    _, plain, _ = run(capsys, "score", str(path), "--quiet")
    _, masked, _ = run(capsys, "score", str(path), "--quiet", "--redact")
    assert records(plain)[0]["straight_to_data"] is records(masked)[0]["straight_to_data"] is True


def test_the_summary_counts_bad_files_and_low_confidence_guesses(tmp_path, capsys):
    (tmp_path / "leeg.csv").write_bytes(b"")
    (tmp_path / "kapot.vtt").write_text("geen webvtt", "utf-8")
    (tmp_path / "alleen_klant.txt").write_text("Klant: Mijn auto is gestolen.", "utf-8")
    unsure = [
        {"speaker": "SPEAKER_00", "start": 0, "end": 1, "text": "Goedemiddag."},
        {"speaker": "SPEAKER_01", "start": 1, "end": 2, "text": "Goedemiddag."},
    ]
    (tmp_path / "onzeker.json").write_text(json.dumps(unsure), "utf-8")
    code, out, err = run(capsys, "score", str(tmp_path))
    assert [r["status"] for r in records(out)] == ["error", "error", "error", "ok"]
    assert "4 calls, 1 scored, 3 errors" in err
    assert "1 with a low-confidence guess of the agent speaker" in err
    assert code == 1


def test_explain_takes_the_agent_speaker_and_warns_about_a_low_confidence_guess(tmp_path, capsys):
    unsure = [
        {"speaker": "SPEAKER_00", "start": 0, "end": 1, "text": "Goedemiddag."},
        {"speaker": "SPEAKER_01", "start": 1, "end": 2, "text": "Goedemiddag, zegt u het maar."},
    ]
    path = tmp_path / "onzeker.json"
    path.write_text(json.dumps(unsure), "utf-8")
    code, out, err = run(capsys, "explain", str(path), "--colour", "never")
    assert "with low confidence" in err and "--agent-speaker" in err
    code, out, err = run(
        capsys, "explain", str(path), "--colour", "never", "--agent-speaker", "SPEAKER_01"
    )
    assert err == ""
    assert "1 agent    Goedemiddag, zegt u het maar." in out
    assert code == 0


BAD_CUE = (
    "WEBVTT\n\n"
    "00:00:01.000 --> 00:00:02.000\n<v Agent>Goedemiddag, waarmee kan ik u helpen?\n\n"
    "00:00:02,000 --> 00:00:04,000 bel 06-48120937 of NL91ABNA0417164300\n"
    "<v Klant>Mijn auto is gestolen.\n"
)


def test_score_with_redact_masks_the_input_an_error_record_quotes(tmp_path, capsys):
    path = tmp_path / "gestolen.vtt"
    path.write_text(BAD_CUE, "utf-8")
    _, plain, _ = run(capsys, "score", str(path), "--quiet")
    _, masked, _ = run(capsys, "score", str(path), "--quiet", "--redact")
    (quoted,), (record,) = records(plain), records(masked)
    assert "06-48120937" in quoted["error"] and "NL91ABNA0417164300" in quoted["error"]
    assert record["error"].startswith(f"{path}:6: cue timing ")  # the place is kept
    assert "48120937" not in record["error"] and "NL91" not in record["error"]
    assert "[IBAN]" in record["error"] and "[NUMBER]" in record["error"]


def test_report_masks_the_input_a_printed_error_quotes_unless_show_pii(tmp_path, capsys):
    path = tmp_path / "verdicts.jsonl"
    record = {"id": "c1", "status": "ok", "opportunity": "bel nul zes twaalf drie vier"}
    path.write_text(json.dumps(record) + "\n", "utf-8")
    code, _, err = run(capsys, "report", str(path))
    assert code == 2 and f"{path}:1:" in err
    assert "twaalf" not in err and "[NUMBER]" in err
    _, _, shown = run(capsys, "report", str(path), "--show-pii")
    assert "nul zes twaalf drie vier" in shown
