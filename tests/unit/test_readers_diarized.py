"""Reading diarised speech-to-text JSON: shape sniffing, merged segments, anonymous speakers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from empathy_score.errors import TranscriptError
from empathy_score.readers.diarized import looks_diarized
from empathy_score.transcript import AGENT, CUSTOMER, Turn, iter_transcripts, load_transcript

DATA = Path(__file__).parent.parent / "data" / "readers"
SHAPE_ERRORS = [
    json.loads(line)
    for line in (DATA / "cases" / "diarized_shape_errors.jsonl").read_text("utf-8").splitlines()
]


@pytest.mark.parametrize(
    ("value", "diarized"),
    [
        ({"segments": []}, True),
        ([{"speaker": "SPEAKER_00", "text": "Hallo", "start": 0.0}], True),
        ({"segments": [], "turns": []}, False),
        ({"turns": [{"speaker": "agent", "text": "Hallo"}]}, False),
        ([{"speaker": "agent", "text": "Hallo"}], False),
        ([], False),
        ("Agent: Hallo", False),
    ],
    ids=[
        "segments",
        "segment list",
        "turns win",
        "project call",
        "list without times",
        "empty list",
        "string",
    ],
)
def test_the_diarised_shape_is_told_from_the_project_json(value, diarized):
    assert looks_diarized(value) is diarized


def test_whisperx_output_merges_consecutive_segments_of_one_speaker():
    transcript = load_transcript(DATA / "whisperx.json")
    assert transcript.turns == (
        Turn(
            AGENT,
            "Goedemiddag, u spreekt met Kevin van Energiedirect. Waarmee kan ik u helpen?",
            start=0.0,
            end=3.1,
        ),
        Turn(
            CUSTOMER,
            "Ik heb een brief gekregen dat mijn voorschot omhoog gaat. Dat kan ik niet betalen.",
            start=3.4,
            end=8.2,
        ),
        Turn(AGENT, "Ik begrijp het. Wat is uw klantnummer?", start=8.5, end=11.0),
    )


def test_a_segment_without_speaker_continues_the_previous_speaker():
    transcript = load_transcript(DATA / "whisperx.json")
    assert transcript.turns[1].text.endswith("Dat kan ik niet betalen.")


def test_the_role_inference_is_recorded_on_the_meta_with_cue_ids_and_no_text():
    guess = load_transcript(DATA / "whisperx.json").meta["role_inference"]
    assert (guess["agent_speaker"], guess["method"], guess["low_confidence"]) == (
        "SPEAKER_01",
        "cues",
        False,
    )
    assert guess["speakers"] == {"SPEAKER_01": AGENT, "SPEAKER_00": CUSTOMER}
    assert "agent.help_offer" in guess["cues"]["SPEAKER_01"]
    assert "Energiedirect" not in json.dumps(guess)


def test_a_bare_list_of_segments_is_one_call_named_after_the_file():
    transcript = load_transcript(DATA / "segment_list.json")
    assert transcript.id == "segment_list"
    assert [turn.speaker for turn in transcript.turns] == [CUSTOMER, AGENT, CUSTOMER]


def test_jsonl_lines_may_mix_diarised_and_project_calls():
    calls = list(iter_transcripts(DATA / "mixed.jsonl"))
    assert [(call.id, call.meta.get("team")) for call in calls] == [
        ("d-1", "schade"),
        ("p-2", None),
    ]
    assert [turn.speaker for turn in calls[0].turns] == [AGENT, CUSTOMER]


def test_labels_that_are_all_known_aliases_need_no_inference(tmp_path):
    path = tmp_path / "gesprek.json"
    path.write_text(
        json.dumps(
            {
                "segments": [
                    {"speaker": "klant", "start": 0, "end": 2, "text": "Hallo."},
                    {"speaker": "agent", "start": 2, "end": 3, "text": "Goedemiddag."},
                ]
            }
        ),
        "utf-8",
    )
    transcript = load_transcript(path, agent_speaker="SPEAKER_00")  # ignored: roles are named
    assert [turn.speaker for turn in transcript.turns] == [CUSTOMER, AGENT]
    assert "role_inference" not in transcript.meta


def test_an_agent_speaker_that_does_not_speak_is_an_error_listing_the_speakers():
    with pytest.raises(
        TranscriptError,
        match=r"agent speaker 'SPEAKER_07' does not speak in this "
        r"call \(speakers: SPEAKER_01, SPEAKER_00\)",
    ):
        load_transcript(DATA / "whisperx.json", agent_speaker="SPEAKER_07")


@pytest.mark.parametrize("case", SHAPE_ERRORS, ids=[case["case"] for case in SHAPE_ERRORS])
def test_diarised_json_of_the_wrong_shape_gets_a_specific_message(tmp_path, case):
    path = tmp_path / "gesprek.json"
    path.write_text(json.dumps(case["value"]), "utf-8")
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    assert caught.value.reason.startswith(case["error"])
    assert caught.value.path == str(path)
