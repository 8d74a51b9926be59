"""The corpus's gold labels follow from their own evidence, by the guide's definitions."""

from pathlib import Path

import pytest

from empathy_score.corpus import GoldCall, gold_problems, load_corpus
from empathy_score.transcript import parse_text

ROOT = Path(__file__).resolve().parents[2] / "corpora"
CORPORA = [p for p in (ROOT, ROOT / "shifted", ROOT / "messy") if (p / "calls").is_dir()]


@pytest.mark.parametrize("root", CORPORA, ids=lambda p: p.name)
def test_every_gold_record_is_consistent_with_its_evidence(root):
    problems = {c.id: gold_problems(c) for c in load_corpus(root)}
    assert {k: v for k, v in problems.items() if v} == {}


def _call(gold):
    transcript = parse_text(
        "Klant: Ik heb al een week oorpijn.\nAgent: Wat is uw geboortedatum?", id="t"
    )
    return GoldCall(transcript, gold)


GOOD = {
    "opportunities": [{"turn": 0, "text": "Ik heb al een week oorpijn."}],
    "data_requests": [{"turn": 1, "field": "date_of_birth", "text": "Wat is uw geboortedatum?"}],
    "markers": [],
    "opportunity": True,
    "first_data_request_turn": 1,
    "data_fields": ["date_of_birth"],
    "empathy_shown": False,
    "empathy_before_data": False,
    "straight_to_data": True,
}


def test_a_consistent_record_has_no_problems():
    assert gold_problems(_call(GOOD)) == []


def test_a_label_that_contradicts_the_evidence_is_named():
    problems = gold_problems(_call({**GOOD, "straight_to_data": False}))
    assert problems == ["straight_to_data is False, but the evidence says True"]


def test_evidence_must_quote_its_turn_and_speaker():
    bad = {**GOOD, "markers": [{"turn": 0, "category": "wish_well", "text": "Beterschap"}]}
    problems = gold_problems(_call(bad))
    assert "markers: 'Beterschap' is not a substring of turn 0" in problems
    wrong_side = {**GOOD, "opportunities": [{"turn": 1, "text": "Wat is uw geboortedatum?"}]}
    assert "opportunities: turn 1 is not a customer turn" in gold_problems(_call(wrong_side))
