"""Placeholders in scripts never produce or hide a marker or a data request."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from empathy_score import Transcript, Turn
from empathy_score.testing import mask_placeholders, shared_scorer
from empathy_score.testing.placeholders import mask_transcript

DATA = Path(__file__).parent / "data"
CASES = [json.loads(line) for line in (DATA / "placeholders.jsonl").open(encoding="utf-8")]


@pytest.mark.parametrize("case", CASES, ids=[case["agent"] for case in CASES])
def test_placeholder_is_neutral(case):
    verdict = shared_scorer().score(mask_placeholders("Agent: " + case["agent"]))
    assert sorted({m.label for m in verdict.markers}) == case["markers"], case["why"]
    assert list(verdict.data_fields) == case["data_requests"], case["why"]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Mag ik uw {{polisnummer}}, {naam}?", "Mag ik uw xxxxxxxxxxxxxxx, xxxxxx?"),
        ("Hallo ${naam} en {{ klant.naam }}.", "Hallo xxxxxxx en xxxxxxxxxxxxxxxx."),
        ("Uw kenteken <kenteken> en [naam].", "Uw kenteken xxxxxxxxxx en xxxxxx."),
        ("<b>Wat vervelend</b> voor u.", "xx Wat vervelend xxx voor u."),
    ],
)
def test_mask_keeps_length_and_separates_words(text, masked):
    assert mask_placeholders(text) == masked


@pytest.mark.parametrize("text", ["Zie [1] en <3.", "Een leeg {} paar.", "Gewoon een zin."])
def test_text_without_placeholders_is_unchanged(text):
    assert mask_placeholders(text) == text


@given(st.text(alphabet=st.sampled_from("ab {}<>[]$/.\n"), max_size=40))
def test_mask_never_changes_the_length(text):
    assert len(mask_placeholders(text)) == len(text)


def test_mask_transcript_leaves_the_input_alone():
    call = Transcript(id="c", turns=(Turn("agent", "Goedemiddag {naam}."),))
    masked = mask_transcript(call)
    assert masked.turns[0].text == "Goedemiddag xxxxxx."
    assert call.turns[0].text == "Goedemiddag {naam}."
