"""decide(): the call decisions of the annotation guide (corpora/README.md) on small calls.

The Docs here carry hand-placed spans (no pipeline), so each test isolates the verdict logic:
which turn is the first data request, what counts as an opportunity, and how markers and
requests in the same turn are ordered by character offset.
"""

from __future__ import annotations

import pickle

import pytest
import spacy

from empathy_score.evidence_from_docs import decide
from empathy_score.transcript import AGENT, CUSTOMER, Transcript, Turn
from empathy_score.verdict import CallVerdict, Evidence

NLP = spacy.blank("nl")
ACK, WISH, ASK = "acknowledge_feelings", "wish_well", "ask_wellbeing"


def analysed(*turns):
    """A transcript and its Docs from ``(speaker, text, {key: [(substring, label), ...]})``."""
    transcript = Transcript(id="call", turns=[Turn(speaker, text) for speaker, text, _ in turns])
    docs = []
    for _, text, found in turns:
        doc = NLP.make_doc(text)
        for key, items in found.items():
            spans = []
            for substring, label in items:
                start = text.index(substring)
                span = doc.char_span(
                    start, start + len(substring), label=label, span_id=f"t.{label}"
                )
                assert span is not None, substring
                spans.append(span)
            doc.spans[key] = spans
        docs.append(doc)
    return transcript, docs


def verdict_of(*turns) -> CallVerdict:
    return decide(*analysed(*turns))


DISTRESS = (CUSTOMER, "Mijn hond is aangereden.", {"opportunity": [("aangereden", "accident")]})


def test_an_opportunity_before_the_first_request_counts():
    v = verdict_of(
        DISTRESS,
        (AGENT, "Wat is uw polisnummer?", {"data_request": [("polisnummer", "policy_number")]}),
    )
    assert v.opportunity and v.straight_to_data
    assert v.first_data_request_turn == 1


def test_an_opportunity_only_after_the_first_request_does_not_count():
    v = verdict_of(
        (CUSTOMER, "Ik wil iets melden.", {}),
        (AGENT, "Wat is uw polisnummer?", {"data_request": [("polisnummer", "policy_number")]}),
        (CUSTOMER, "Mijn man is gewond.", {"opportunity": [("gewond", "injury")]}),
    )
    assert not v.opportunity
    assert not v.straight_to_data
    assert [o.turn for o in v.opportunities] == [2]


def test_without_any_request_an_opportunity_anywhere_counts():
    v = verdict_of((AGENT, "Goedemiddag.", {}), DISTRESS)
    assert v.opportunity
    assert v.first_data_request_turn is None
    assert not v.straight_to_data


def test_empathy_in_an_earlier_turn_comes_before_the_data():
    v = verdict_of(
        DISTRESS,
        (AGENT, "Wat naar.", {"empathy": [("Wat naar", ACK)]}),
        (CUSTOMER, "Ja.", {}),
        (AGENT, "Uw polisnummer graag.", {"data_request": [("polisnummer", "policy_number")]}),
    )
    assert v.empathy_before_data and not v.straight_to_data


def test_empathy_earlier_in_the_same_turn_comes_before_the_data():
    text = "Wat naar voor u. Mag ik uw polisnummer?"
    v = verdict_of(
        DISTRESS,
        (
            AGENT,
            text,
            {"empathy": [("Wat naar", ACK)], "data_request": [("polisnummer", "policy_number")]},
        ),
    )
    assert v.empathy_before_data
    assert not v.straight_to_data


def test_empathy_later_in_the_same_turn_is_straight_to_data():
    text = "Mag ik uw polisnummer? Wat naar voor u."
    v = verdict_of(
        DISTRESS,
        (
            AGENT,
            text,
            {"empathy": [("Wat naar", ACK)], "data_request": [("polisnummer", "policy_number")]},
        ),
    )
    assert v.empathy_shown
    assert not v.empathy_before_data
    assert v.straight_to_data


def test_empathy_only_after_the_request_turn_is_straight_to_data():
    v = verdict_of(
        DISTRESS,
        (AGENT, "Het kenteken?", {"data_request": [("kenteken", "license_plate")]}),
        (CUSTOMER, "GH-412-K.", {}),
        (AGENT, "Beterschap voor de hond.", {"empathy": [("Beterschap", WISH)]}),
    )
    assert v.empathy_shown and not v.empathy_before_data and v.straight_to_data


@pytest.mark.parametrize("shown", [True, False])
def test_without_a_request_empathy_before_data_equals_empathy_shown(shown):
    found = {"empathy": [("Sterkte", WISH)]} if shown else {}
    v = verdict_of(DISTRESS, (AGENT, "Sterkte, ik regel het voor u.", found))
    assert v.empathy_before_data is v.empathy_shown is shown
    assert not v.straight_to_data


def test_the_first_request_is_the_earliest_agent_turn_with_one():
    v = verdict_of(
        (AGENT, "Goedemiddag.", {}),
        (CUSTOMER, "Hallo.", {}),
        (AGENT, "Uw postcode?", {"data_request": [("postcode", "address")]}),
        (CUSTOMER, "1234 AB.", {}),
        (AGENT, "En uw polisnummer?", {"data_request": [("polisnummer", "policy_number")]}),
    )
    assert v.first_data_request_turn == 2
    assert v.data_fields == ("address", "policy_number")


def test_spans_in_customer_turns_are_never_markers_or_requests():
    v = verdict_of(
        (
            CUSTOMER,
            "Wat vervelend voor u, mijn polisnummer is 123.",
            {
                "empathy": [("Wat vervelend", ACK)],
                "data_request": [("polisnummer", "policy_number")],
            },
        ),
    )
    assert v.markers == () and v.data_requests == ()
    assert not v.empathy_shown


def test_opportunity_spans_in_agent_turns_are_ignored():
    v = verdict_of((AGENT, "Bent u geschrokken?", {"opportunity": [("geschrokken", "shock")]}))
    assert not v.opportunity


def test_data_fields_are_sorted_and_unique():
    v = verdict_of(
        (
            AGENT,
            "Uw postcode en huisnummer?",
            {"data_request": [("postcode", "address"), ("huisnummer", "address")]},
        ),
        (AGENT, "En uw geboortedatum?", {"data_request": [("geboortedatum", "date_of_birth")]}),
    )
    assert v.data_fields == ("address", "date_of_birth")


def test_evidence_carries_turn_offsets_text_and_rule():
    text = "Dank u. Wat is uw polisnummer?"
    v = verdict_of((AGENT, text, {"data_request": [("polisnummer", "policy_number")]}))
    assert v.data_requests == (
        Evidence(0, "policy_number", "polisnummer", 18, 29, "t.policy_number"),
    )
    assert text[18:29] == "polisnummer"


def test_one_doc_per_turn_is_required():
    transcript, docs = analysed(DISTRESS, (AGENT, "Dag.", {}))
    with pytest.raises(ValueError, match="one Doc per turn"):
        decide(transcript, docs[:1])


def test_to_dict_has_the_documented_keys(record_keys):
    record = verdict_of(
        DISTRESS,
        (
            AGENT,
            "Wat naar. Uw polisnummer?",
            {
                "empathy": [("Wat naar", ACK)],
                "data_request": [("polisnummer", "policy_number")],
            },
        ),
    ).to_dict()
    assert list(record) == record_keys
    assert record["markers"] == [
        {
            "turn": 1,
            "category": ACK,
            "text": "Wat naar",
            "start": 0,
            "end": 8,
            "rule": "t.acknowledge_feelings",
        }
    ]
    assert set(record["data_requests"][0]) == {"turn", "field", "text", "start", "end", "rule"}
    assert record["opportunities"][0]["category"] == "accident"


def test_reason_when_no_opportunity():
    v = verdict_of((AGENT, "Uw polisnummer?", {"data_request": [("polisnummer", "policy_number")]}))
    assert v.reason().startswith("Not applicable:")


def test_reason_when_straight_to_data():
    v = verdict_of(
        DISTRESS, (AGENT, "Uw polisnummer?", {"data_request": [("polisnummer", "policy_number")]})
    )
    assert v.reason() == (
        'Straight to data: the customer said "aangereden" in turn 0, and turn 1 asks for '
        'policy_number ("polisnummer") before any empathy.'
    )


def test_reason_when_empathy_comes_first():
    v = verdict_of(
        DISTRESS,
        (
            AGENT,
            "Wat naar. Uw polisnummer?",
            {
                "empathy": [("Wat naar", ACK)],
                "data_request": [("polisnummer", "policy_number")],
            },
        ),
    )
    assert v.reason() == (
        'Empathy first: the customer said "aangereden" in turn 0, and the agent showed '
        'acknowledge_feelings ("Wat naar", turn 1) before asking for policy_number.'
    )


@pytest.mark.parametrize(
    ("found", "ending"),
    [
        ({"empathy": [("Sterkte", WISH)]}, "and the agent showed empathy."),
        ({}, "and the agent showed no empathy."),
    ],
)
def test_reason_when_no_data_was_asked_for(found, ending):
    v = verdict_of(DISTRESS, (AGENT, "Sterkte, ik regel het.", found))
    assert v.reason().startswith("No data was asked for;")
    assert v.reason().endswith(ending)


def test_an_error_verdict_says_why_it_was_not_scored():
    v = CallVerdict.from_error("kapot.txt:3: geen sprekers", id="kapot", source="kapot.txt")
    assert not v.ok
    assert v.reason() == "Not scored: kapot.txt:3: geen sprekers"
    assert v.to_dict()["status"] == "error"


def test_a_verdict_pickles_with_its_evidence_and_read_only_metadata():
    transcript, docs = analysed(
        DISTRESS,
        (AGENT, "Wat is uw polisnummer?", {"data_request": [("polisnummer", "policy_number")]}),
    )
    transcript = Transcript(id="call", turns=transcript.turns, meta={"team": "Schade"})
    verdict = decide(transcript, docs)
    back = pickle.loads(pickle.dumps(verdict))
    assert back == verdict and back.straight_to_data
    assert back.opportunities[0].text == "aangereden" and back.meta["team"] == "Schade"
    with pytest.raises(TypeError):
        back.meta["team"] = "Anders"
