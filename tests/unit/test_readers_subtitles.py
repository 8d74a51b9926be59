"""Reading WebVTT and SubRip speech-to-text output: speakers, merged cues, timestamps, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from empathy_score.errors import TranscriptError
from empathy_score.transcript import AGENT, CUSTOMER, Turn, load_transcript

DATA = Path(__file__).parent.parent / "data" / "readers"


def roles_and_texts(path: Path, **options) -> list[tuple[str, str]]:
    return [(turn.speaker, turn.text) for turn in load_transcript(path, **options).turns]


def test_webvtt_voice_tags_name_the_speakers_and_consecutive_cues_merge():
    assert roles_and_texts(DATA / "voice_tags.vtt") == [
        (AGENT, "Goedemiddag, u spreekt met Sanne van Zilverlinde. Waarmee kan ik u helpen?"),
        (CUSTOMER, "Ik bel omdat mijn hond is aangereden. Hij ligt nu bij de dierenarts."),
        (AGENT, "Wat naar om te horen. Hoe gaat het nu met hem?"),
    ]


def test_a_merged_turn_keeps_the_first_start_the_last_end_and_the_first_timing_line():
    transcript = load_transcript(DATA / "voice_tags.vtt")
    assert transcript.turns[0] == Turn(
        AGENT,
        "Goedemiddag, u spreekt met Sanne van Zilverlinde. Waarmee kan ik u helpen?",
        line=8,
        start=0.0,
        end=5.0,
    )
    assert (transcript.turns[1].start, transcript.turns[1].end) == (5.4, 9.8)


def test_webvtt_labels_before_a_colon_name_the_speakers_and_an_unlabelled_cue_continues():
    assert roles_and_texts(DATA / "prefixes.vtt") == [
        (AGENT, "Goedemorgen, Autolease Nederland, met Eva."),
        (
            CUSTOMER,
            "Mijn zoon is ziek geworden op de achterbank. "
            "Het ruikt vreselijk & ik weet niet wat ik moet doen.",
        ),
        (AGENT, "Wat is het kenteken van de auto?"),
    ]


def test_webvtt_file_name_is_the_id_and_no_roles_are_inferred_for_named_speakers():
    transcript = load_transcript(DATA / "prefixes.vtt")
    assert transcript.id == "prefixes"
    assert "role_inference" not in transcript.meta


def test_anonymous_webvtt_voices_get_roles_by_inference():
    transcript = load_transcript(DATA / "anonymous.vtt")
    assert [turn.speaker for turn in transcript.turns] == [AGENT, CUSTOMER, AGENT]
    assert transcript.meta["role_inference"]["agent_speaker"] == "SPEAKER_00"


def test_the_agent_speaker_override_wins_over_inference():
    transcript = load_transcript(DATA / "anonymous.vtt", agent_speaker="speaker_01")
    assert [turn.speaker for turn in transcript.turns] == [CUSTOMER, AGENT, CUSTOMER]
    assert transcript.meta["role_inference"] == {
        "agent_speaker": "SPEAKER_01",
        "confidence": 1.0,
        "low_confidence": False,
        "method": "override",
        "speakers": {"SPEAKER_00": CUSTOMER, "SPEAKER_01": AGENT},
    }


def test_an_unknown_voice_names_file_and_line():
    with pytest.raises(TranscriptError) as caught:
        load_transcript(DATA / "unknown_label.vtt")
    assert (caught.value.line, caught.value.path) == (6, str(DATA / "unknown_label.vtt"))
    assert caught.value.reason.startswith("unknown speaker label 'Teamleider'")


def test_a_subtitle_file_without_speakers_is_an_error_at_its_first_cue():
    with pytest.raises(
        TranscriptError, match=r"no_speakers\.vtt:3: the first cue names no speaker"
    ):
        load_transcript(DATA / "no_speakers.vtt")


def test_text_without_the_webvtt_header_is_not_webvtt(tmp_path):
    path = tmp_path / "gesprek.vtt"
    path.write_text("00:00:00.000 --> 00:00:01.000\nAgent: Goedemiddag.\n", "utf-8")
    with pytest.raises(TranscriptError, match="not a WebVTT file: the first line must be 'WEBVTT'"):
        load_transcript(path)


def test_webvtt_without_cues_is_an_error(tmp_path):
    path = tmp_path / "gesprek.vtt"
    path.write_text("WEBVTT\n\nNOTE nog niets opgenomen\n", "utf-8")
    with pytest.raises(TranscriptError, match="no cues"):
        load_transcript(path)


def test_whisperx_style_srt_labels_in_brackets_are_anonymous_speakers():
    transcript = load_transcript(DATA / "whisperx_cues.srt")
    assert [(t.speaker, t.start, t.end) for t in transcript.turns] == [
        (AGENT, 0.0, 2.84),
        (CUSTOMER, 3.1, 7.5),
        (AGENT, 7.9, 10.4),
    ]
    assert (
        transcript.turns[1].text
        == "Ik zit in Lissabon en mijn tas is gestolen. Mijn paspoort zat erin."
    )
    assert transcript.meta["role_inference"]["agent_speaker"] == "SPEAKER_01"


def test_srt_formatting_tags_are_removed_and_dialogue_dashes_split_a_cue():
    assert roles_and_texts(DATA / "labelled.srt") == [
        (AGENT, "Goedemiddag, met Rik."),
        (CUSTOMER, "Hallo, er is ingebroken."),
        (AGENT, "Wat een schrik!"),
    ]


def test_srt_with_text_that_is_not_a_cue_names_the_line():
    with pytest.raises(TranscriptError, match=r"broken\.srt:1: not a SubRip cue"):
        load_transcript(DATA / "broken.srt")


def test_an_srt_timestamp_too_large_for_the_parser_is_a_transcript_error(tmp_path):
    path = tmp_path / "gesprek.srt"
    path.write_text("1\n99999999999999999999:00:00,000 --> 00:00:01,000\nAgent: Hallo.\n", "utf-8")
    with pytest.raises(TranscriptError):
        load_transcript(path)


@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
def test_a_misspelt_label_prefix_is_an_error_not_text(tmp_path, suffix):
    timing = (
        "00:00:00.000 --> 00:00:01.000" if suffix == ".vtt" else "00:00:00,000 --> 00:00:01,000"
    )
    header = "WEBVTT\n\n" if suffix == ".vtt" else "1\n"
    path = tmp_path / f"gesprek{suffix}"
    path.write_text(f"{header}{timing}\nMedewerkr: Goedemiddag.\n", "utf-8")
    with pytest.raises(TranscriptError, match="unknown speaker label 'Medewerkr'"):
        load_transcript(path)
