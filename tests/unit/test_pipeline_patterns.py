"""The packaged rule data on real Dutch sentences, one case per line of pipeline_cases.jsonl.

Each case is a call (``"text"`` in the ``.txt`` format, or ``"turns"`` as ``[speaker, text]``
pairs) and the parts of its verdict it pins down (``"expect"``): the markers as
``[turn, category]`` pairs, the data fields, and any of the call decisions. Known failures that
the rule data cannot fix carry an ``"xfail"`` reason and run as ``xfail(strict=True)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from empathy_score.components import set_speaker
from empathy_score.rules import FAMILIES, read_context_rules, read_patterns
from empathy_score.transcript import Transcript, Turn, parse_text

CASES_FILE = Path(__file__).parent.parent / "data" / "pipeline_cases.jsonl"
DECISIONS = (
    "opportunity",
    "straight_to_data",
    "empathy_before_data",
    "empathy_shown",
    "first_data_request_turn",
)


def _read_cases() -> list[tuple[int, dict[str, Any]]]:
    lines = CASES_FILE.read_text(encoding="utf-8").splitlines()
    return [(number, json.loads(line)) for number, line in enumerate(lines, 1) if line.strip()]


CASES = _read_cases()


def _params() -> list[Any]:
    params = []
    for number, case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        params.append(pytest.param(case, id=f"line{number}-{case['why'][:40]}", marks=marks))
    return params


def transcript_of(case: dict[str, Any]) -> Transcript:
    if "text" in case:
        return parse_text(case["text"], id="case")
    return Transcript(id="case", turns=[Turn(speaker, text) for speaker, text in case["turns"]])


def observed(verdict) -> dict[str, Any]:
    """The verdict in the vocabulary of the cases file."""
    found = {
        "markers": sorted({(m.turn, m.label) for m in verdict.markers}),
        "data_fields": sorted(verdict.data_fields),
    }
    found.update({key: getattr(verdict, key) for key in DECISIONS})
    return found


def expected(case: dict[str, Any]) -> dict[str, Any]:
    wanted = dict(case["expect"])
    if "markers" in wanted:
        wanted["markers"] = sorted({(turn, category) for turn, category in wanted["markers"]})
    if "data_fields" in wanted:
        wanted["data_fields"] = sorted(wanted["data_fields"])
    return wanted


def test_the_cases_file_is_well_formed():
    allowed = {"markers", "data_fields", *DECISIONS}
    assert len(CASES) >= 120
    for number, case in CASES:
        assert ("text" in case) != ("turns" in case), f"line {number}: give text or turns"
        assert case.get("why"), f"line {number}: say why the case is there"
        assert set(case["expect"]) <= allowed, f"line {number}: unknown expectation"


@pytest.mark.parametrize("case", _params())
def test_pipeline_case(case, rules_scorer):
    verdict = rules_scorer.score_transcript(transcript_of(case))
    found = observed(verdict)
    wanted = expected(case)
    assert {key: found[key] for key in wanted} == wanted, case["why"]


def _known_ids() -> dict[str, set[str]]:
    return {family: {p["id"] for p in read_patterns(family)} for family in FAMILIES}


def _analysed_turns(nlp):
    for _, case in CASES:
        for turn in transcript_of(case).turns:
            yield nlp(set_speaker(nlp.make_doc(turn.text), turn.speaker))


def test_every_match_carries_the_id_of_its_rule(nlp):
    known = _known_ids()
    seen = 0
    for doc in _analysed_turns(nlp):
        for family in FAMILIES:
            for span in doc.spans.get(family, []):
                assert span.id_ in known[family], (span.text, span.id_)
                seen += 1
    assert seen > 100


def test_every_dropped_candidate_names_the_context_rule_that_dropped_it(nlp):
    rule_ids = {rule.id for rule in read_context_rules()}
    dropped = 0
    for doc in _analysed_turns(nlp):
        for _, span, reason in doc._.empathy_rejected or []:
            names = reason.removeprefix("missing:").split(",")
            assert set(names) <= rule_ids, (span.text, reason)
            dropped += 1
    assert dropped > 0


def test_nlp_pipe_in_batches_finds_what_each_turn_finds_alone(nlp):
    """The normalizer and the context pass take their stream a batch at a time; the Docs
    must come out in order, each as it would alone, whatever the batch boundaries."""

    def found(doc):
        spans = {
            key: [(s.id_, s.start_char, s.end_char) for s in doc.spans[key]] for key in FAMILIES
        }
        rejected = [(key, s.start_char, reason) for key, s, reason in doc._.empathy_rejected or []]
        return spans, rejected, [t.norm_ for t in doc]

    turns = [turn for _, case in CASES for turn in transcript_of(case).turns]
    alone = [found(doc) for doc in _analysed_turns(nlp)]
    for batch_size in (1, 7, len(turns) + 1):
        docs = (set_speaker(nlp.make_doc(turn.text), turn.speaker) for turn in turns)
        assert [found(doc) for doc in nlp.pipe(docs, batch_size=batch_size)] == alone
    assert sum(bool(spans[key]) for spans, _, _ in alone for key in FAMILIES) > 100


def test_a_reproach_is_dropped_by_the_reproach_rule(nlp):
    doc = nlp(set_speaker(nlp.make_doc("Ik kan me niet voorstellen dat u dat niet zag."), "agent"))
    assert not doc.spans["empathy"]
    assert {reason for _, _, reason in doc._.empathy_rejected} >= {"reproach"}


def test_a_confirmation_is_dropped_by_a_confirmation_rule(nlp):
    doc = nlp(set_speaker(nlp.make_doc("Dus uw kenteken is GH-412-K, klopt dat?"), "agent"))
    assert not doc.spans["data_request"]
    reasons = {reason for _, _, reason in doc._.empathy_rejected}
    assert reasons & {"req.confirm", "req.confirm_before", "req.statement"}


def test_customer_turns_get_no_markers_or_requests(nlp):
    text = "Wat vervelend voor u, sterkte! Mag ik uw polisnummer even zien?"
    doc = nlp(set_speaker(nlp.make_doc(text), "customer"))
    assert not doc.spans["empathy"]
    assert not doc.spans["data_request"]


def test_agent_turns_get_no_opportunities(nlp):
    doc = nlp(set_speaker(nlp.make_doc("Ik ben zo geschrokken van uw verhaal."), "agent"))
    assert not doc.spans["opportunity"]


def test_a_field_name_alone_is_not_a_request(nlp):
    doc = nlp(set_speaker(nlp.make_doc("Het polisnummer."), "agent"))
    assert not doc.spans["data_request"]
    assert any(reason.startswith("missing:") for _, _, reason in doc._.empathy_rejected)


def test_a_cue_after_two_fields_keeps_both_fields(tmp_path):
    import empathy_score as es

    context = tmp_path / "context.jsonl"
    rules = [
        {"id": "end", "pattern": [{"ORTH": "."}], "effect": "terminate"},
        {
            "id": "cue",
            "pattern": "graag",
            "effect": "require",
            "direction": "following",
            "window": 6,
            "targets": ["dr.field."],
        },
    ]
    context.write_text("\n".join(json.dumps(rule) for rule in rules) + "\n", encoding="utf-8")
    nlp = es.load_nlp(context_rules=context)
    doc = nlp(set_speaker(nlp.make_doc("Uw polisnummer en uw geboortedatum graag."), "agent"))
    assert sorted(s.label_ for s in doc.spans["data_request"]) == [
        "date_of_birth",
        "policy_number",
    ]
