"""Learned sentence detectors only add evidence, where the rules found none, with learned ids."""

import pytest

from empathy_score import parse_text
from empathy_score.detectors import TASKS, sentences, training_examples


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wat vervelend. Mag ik uw polisnummer?", ["Wat vervelend.", "Mag ik uw polisnummer?"]),
        ("eh wat naar zeg mag ik je klantnummer", ["eh wat naar zeg mag ik je klantnummer"]),
        ("Oh nee! Is iedereen oké?!  Goed.", ["Oh nee!", "Is iedereen oké?!", "Goed."]),
        ("", [""]),
    ],
)
def test_a_turn_splits_into_sentences_with_offsets(text, expected):
    assert [text[a:b] for a, b in sentences(text)] == expected


def test_training_examples_label_the_sentence_holding_the_gold_text():
    transcript = parse_text(
        "Klant: Mijn kat is weggelopen. Ik ben zo ongerust.\n"
        "Agent: Och, wat naar. Wat is uw klantnummer?"
    )
    gold = {
        "opportunities": [{"turn": 0, "text": "Ik ben zo ongerust."}],
        "data_requests": [{"turn": 1, "field": "customer_number", "text": "uw klantnummer"}],
        "markers": [{"turn": 1, "category": "acknowledge_feelings", "text": "wat naar"}],
    }
    data = training_examples([(transcript, gold)])
    assert set(data) == set(TASKS)
    assert data["opportunity"] == (
        ["mijn kat is weggelopen.", "ik ben zo ongerust."],
        [False, True],
    )
    assert data["data_request"][1] == [False, True]
    assert data["acknowledge_feelings"][1] == [True, False]
    assert data["wish_well"][1] == [False, False]


def test_learned_evidence_carries_a_learned_rule_id(scorer):
    verdict = scorer.score(
        "Klant: Mijn vader is gisteren na een lang ziekbed heengegaan.\n"
        "Agent: Wat is het polisnummer van de uitvaartverzekering?"
    )
    for evidence in (*verdict.markers, *verdict.data_requests, *verdict.opportunities):
        assert evidence.rule.startswith(("learned.", "ack.", "wish.", "ask.", "dr.", "opp."))
    assert verdict.straight_to_data


def test_detectors_never_remove_what_the_rules_found(scorer, rules_scorer):
    text = (
        "Klant: Er is bij ons ingebroken, ik ben er kapot van.\n"
        "Agent: Wat naar voor u. Is iedereen ongedeerd? Mag ik uw postcode?"
    )
    rules = rules_scorer.score(text)
    full = scorer.score(text)
    assert set(rules.markers) <= set(full.markers)
    assert set(rules.data_requests) <= set(full.data_requests)
    assert set(rules.opportunities) <= set(full.opportunities)
