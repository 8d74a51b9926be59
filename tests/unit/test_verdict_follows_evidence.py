"""Every verdict follows its own evidence, by the guide's definitions, whatever scored it.

The classifier may add evidence (``learned.*`` spans) and attach a probability for ranking;
it never flips a decision that the evidence shown to the user contradicts.
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empathy_score.corpus import load_corpus
from empathy_score.testing import assert_not_straight_to_data
from empathy_score.transcript import iter_transcripts
from empathy_score.verdict import verdict_from_evidence

ROOT = Path(__file__).resolve().parents[2] / "corpora"
DECISIONS = (
    "opportunity",
    "empathy_shown",
    "empathy_before_data",
    "straight_to_data",
    "first_data_request_turn",
    "data_fields",
)


def _rederived(transcript, verdict):
    again = verdict_from_evidence(
        transcript,
        markers=verdict.markers,
        requests=verdict.data_requests,
        opportunities=verdict.opportunities,
    )
    return {k: getattr(again, k) for k in DECISIONS}, {k: getattr(verdict, k) for k in DECISIONS}


def _calls():
    calls = [c.transcript for c in load_corpus(ROOT)]
    for folder in ("shifted", "messy"):
        if (ROOT / folder / "calls").is_dir():
            calls += [c.transcript for c in load_corpus(ROOT / folder)]
    calls += list(iter_transcripts(ROOT / "demo"))
    return calls


@pytest.mark.parametrize("which", ["scorer", "rules_scorer"])
def test_no_verdict_over_corpus_and_demo_contradicts_its_evidence(which, request):
    scorer = request.getfixturevalue(which)
    transcripts = _calls()
    assert len(transcripts) > 450
    contradictions = []
    for transcript, verdict in zip(
        transcripts, scorer.score_many(transcripts, chunk_size=128), strict=True
    ):
        assert verdict.ok, verdict.error
        derived, given = _rederived(transcript, verdict)
        if derived != given:
            contradictions.append((transcript.id, derived, given))
    assert contradictions == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Klant: Mijn hond is aangereden.\nAgent: Wat vervelend. Wat is uw polisnummer?", False),
        ("Klant: Mijn man is overleden.\nAgent: Gecondoleerd. Wat is uw klantnummer?", False),
        ("Klant: Mijn hond is aangereden.\nAgent: Wat is uw polisnummer?", True),
        ("Klant: Ik heb al een week oorpijn.\nAgent: Wat is uw geboortedatum?", True),
        (
            "Klant: Ik heb al een week oorpijn.\nAgent: Vervelend zeg. Wat is uw geboortedatum?",
            False,
        ),
    ],
)
def test_the_classifier_never_overrules_the_evidence(scorer, rules_scorer, text, flagged):
    full, rules = scorer.score(text), rules_scorer.score(text)
    assert full.straight_to_data is flagged
    assert rules.straight_to_data is flagged
    assert full.straight_to_data_probability is not None  # it still ranks the call
    assert full.reason().startswith("Straight to data" if flagged else "Empathy first")
    if not flagged:
        assert_not_straight_to_data(text)  # the plugin's helpers agree with batch scoring


DISTRESS = [
    "Mijn hond is aangereden.",
    "Ik heb sinds gisteren hoge koorts.",
    "Er is ingebroken in mijn huis.",
    "Ons dak lekt en de slaapkamer staat vol water.",
    "Mijn moeder is vannacht overleden.",
    "Ik ben mijn pinpas kwijt en er is geld afgeschreven.",
]
EMPATHY = ["Wat vervelend voor u.", "Gecondoleerd.", "Beterschap!", "Ach, wat naar om te horen."]
REQUESTS = [
    "Wat is uw polisnummer?",
    "Mag ik uw geboortedatum?",
    "Noemt u even uw postcode en huisnummer.",
    "Wat is het kenteken?",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    distress=st.sampled_from(DISTRESS),
    parts=st.lists(
        st.one_of(st.sampled_from(EMPATHY), st.sampled_from(REQUESTS)), min_size=1, max_size=3
    ),
)
def test_generated_same_turn_calls_follow_their_evidence(scorer, distress, parts):
    text = f"Klant: {distress}\nAgent: {' '.join(parts)}"
    verdict = scorer.score(text)
    markers, requests = verdict.markers, verdict.data_requests
    if requests:
        first = min((r.turn, r.start) for r in requests)
        before = any((m.turn, m.start) < first for m in markers)
        assert verdict.empathy_before_data is before
        assert verdict.straight_to_data is (verdict.opportunity and not before)
    else:
        assert verdict.straight_to_data is False
