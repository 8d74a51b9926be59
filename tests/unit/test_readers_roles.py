"""Which anonymous speaker is the agent: the cue file, the inference, and its accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from empathy_score.errors import PatternError
from empathy_score.readers.roles import (
    LOW_CONFIDENCE,
    infer_roles,
    is_anonymous_label,
    load_role_cues,
)
from empathy_score.transcript import AGENT, CUSTOMER, load_transcript

DIARIZED = Path(__file__).parent.parent / "data" / "diarized"
TRUTH = [json.loads(line) for line in (DIARIZED / "agents.jsonl").read_text("utf-8").splitlines()]


@pytest.mark.parametrize("label", ["SPEAKER_00", "speaker_1", "spk_0", "Spreker 2", "S1", "B", "0"])
def test_engine_labels_are_anonymous(label):
    assert is_anonymous_label(label)


@pytest.mark.parametrize("label", ["Medewerker", "Teamleider", "Jan de Vries", "SPEAKER_ONE"])
def test_names_and_roles_are_not_anonymous(label):
    assert not is_anonymous_label(label)


def test_the_packaged_cues_load_with_unique_ids_for_both_roles():
    cues = load_role_cues()
    assert len({cue.id for cue in cues}) == len(cues)
    assert {cue.role for cue in cues} == {AGENT, CUSTOMER}


def test_the_speaker_who_offers_help_and_asks_for_data_is_the_agent():
    guess = infer_roles(
        [
            ("spk_1", "Ja hallo, ik bel omdat mijn auto vannacht is gestolen."),
            ("spk_0", "Wat vervelend. Mag ik uw kenteken?"),
            ("spk_1", "Het is GH-412-K."),
        ]
    )
    assert (guess.agent_speaker, guess.speakers) == (
        "spk_0",
        {"spk_1": CUSTOMER, "spk_0": AGENT},
    )
    assert guess.confidence > LOW_CONFIDENCE


def test_a_call_without_cues_is_a_low_confidence_guess():
    guess = infer_roles([("SPEAKER_00", "Ja."), ("SPEAKER_01", "Nee.")])
    assert guess.low_confidence
    assert guess.to_meta()["low_confidence"] is True


def test_a_single_speaker_who_sounds_like_a_caller_is_no_agent():
    guess = infer_roles([("SPEAKER_00", "Hallo, ik bel omdat ik een vraag heb over mijn factuur.")])
    assert (guess.agent_speaker, guess.speakers) == (None, {"SPEAKER_00": CUSTOMER})


def test_a_cue_counts_once_per_speaker():
    once = infer_roles([("A", "Mag ik uw postcode?"), ("B", "Ja.")])
    twice = infer_roles(
        [("A", "Mag ik uw postcode?"), ("B", "Ja."), ("A", "Mag ik uw postcode nog eens?")]
    )
    assert once.scores["A"] == twice.scores["A"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "role": "agent", "weight": 1, "pattern": "("}', "invalid regular expression"),
        ('{"id": "x", "role": "manager", "weight": 1, "pattern": "a"}', '"role" must be'),
        (
            '{"id": "x", "role": "agent", "weight": 0, "pattern": "a"}',
            '"weight" must be a positive',
        ),
        ('{"id": "x", "role": "agent", "weight": 1, "pattern": "a", "regio": "nl"}', "unknown key"),
        ('{"id": "x", "role": "agent", "pattern": "a"}', "missing key(s) ['weight']"),
        ('{"id": "x", "role": "agent", "weight": 1, "pattern": "a", "scope": "einde"}', '"scope"'),
        (
            '{"id": "x", "role": "agent", "weight": 1, "pattern": "a", "description": 1}',
            '"description" must be a string',
        ),
        ("[1, 2]", "each line must be a JSON object"),
    ],
    ids=[
        "bad regex",
        "bad role",
        "zero weight",
        "unknown key",
        "missing weight",
        "bad scope",
        "description not a string",
        "not an object",
    ],
)
def test_a_bad_cue_file_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "roles.jsonl"
    good = '{"id": "ok", "role": "customer", "weight": 1, "pattern": "ik bel"}'
    path.write_text(f"// rollen\n{good}\n{line}\n", "utf-8")
    with pytest.raises(PatternError) as caught:
        load_role_cues(path)
    assert (caught.value.path, caught.value.line) == (str(path), 3)
    assert message in caught.value.reason


def test_a_cue_may_say_what_it_is_for(tmp_path):
    path = tmp_path / "roles.jsonl"
    cue = {"id": "x", "role": "agent", "weight": 1, "pattern": "mag ik", "description": "vraag"}
    path.write_text(json.dumps(cue) + "\n", "utf-8")
    (loaded,) = load_role_cues(path)
    assert (loaded.id, loaded.description) == ("x", "vraag")


def test_a_duplicate_cue_id_is_rejected(tmp_path):
    path = tmp_path / "roles.jsonl"
    cue = '{"id": "x", "role": "agent", "weight": 1, "pattern": "a"}'
    path.write_text(f"{cue}\n{cue}\n", "utf-8")
    with pytest.raises(PatternError, match="duplicate id 'x'"):
        load_role_cues(path)


# --- accuracy on anonymous diarised calls we wrote (tests/data/diarized) --------------------------


@pytest.mark.parametrize("case", TRUTH, ids=[case["file"] for case in TRUTH])
def test_the_agent_of_each_diarised_call_is_found(case):
    guess = load_transcript(DIARIZED / case["file"]).meta["role_inference"]
    assert guess["agent_speaker"] in case["agent_speakers"], guess


def test_the_diarised_test_set_is_large_and_varied_enough_to_mean_something():
    assert len(TRUTH) >= 20
    labels = {label for case in TRUTH for label in case["agent_speakers"]}
    assert {"SPEAKER_00", "SPEAKER_01", "spk_0", "spk_1", "Spreker 1", "B", "1"} <= labels
