"""A verdict and its record are each other's inverse: ``CallVerdict.from_dict(v.to_dict()) == v``.

Records are what ``empathy-score score`` writes and what the report reads back, so the round
trip is checked on every call of the corpus and the demo, scored with the classifier (which
adds probabilities and learned evidence), through JSON as well as directly, and on verdicts
hypothesis makes up; a record that is not a verdict is refused naming the field.
"""

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from empathy_score.corpus import load_corpus
from empathy_score.transcript import iter_transcripts
from empathy_score.verdict import EVIDENCE_FIELDS, CallVerdict, Evidence

ROOT = Path(__file__).resolve().parents[2] / "corpora"


def _through_json(record):
    return json.loads(json.dumps(record, ensure_ascii=False))


def test_every_verdict_over_the_corpus_and_the_demo_comes_back_from_its_record(scorer):
    transcripts = [c.transcript for c in load_corpus(ROOT)]
    transcripts += list(iter_transcripts(ROOT / "demo"))
    verdicts = list(scorer.score_many(transcripts, chunk_size=128))
    assert len(verdicts) > 450
    assert any(v.straight_to_data_probability is not None for v in verdicts)
    assert any(e.rule.startswith("learned.") for v in verdicts for e in v.markers)
    for verdict in verdicts:
        record = verdict.to_dict()
        assert CallVerdict.from_dict(record) == verdict
        assert CallVerdict.from_dict(_through_json(record)) == verdict


def test_an_error_verdict_comes_back_from_its_record():
    verdict = CallVerdict.from_error("kapot.json:3: not JSON", id="kapot", source="kapot.json")
    assert CallVerdict.from_dict(_through_json(verdict.to_dict())) == verdict


def test_the_record_has_one_key_per_field_in_field_order(scorer, record_keys):
    verdict = scorer.score("Klant: Mijn hond is net aangereden.\nAgent: Wat is uw polisnummer?")
    record = verdict.to_dict()
    assert list(record) == record_keys
    assert record["data_requests"][0]["field"] == "policy_number"
    assert list(record["opportunities"][0]) == ["turn", "category", "text", "start", "end", "rule"]


_text = st.text(max_size=20)
_evidence = st.builds(
    Evidence,
    turn=st.integers(0, 50),
    label=_text,
    text=_text,
    start=st.integers(0, 500),
    end=st.integers(0, 500),
    rule=_text,
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_verdicts = st.builds(
    CallVerdict,
    id=_text,
    source=st.none() | _text,
    status=st.sampled_from(["ok", "error"]),
    error=st.none() | _text,
    opportunity=st.booleans(),
    empathy_shown=st.booleans(),
    empathy_before_data=st.booleans(),
    straight_to_data=st.booleans(),
    straight_to_data_probability=st.none() | st.floats(0, 1),
    first_data_request_turn=st.none() | st.integers(0, 50),
    data_fields=st.lists(_text, max_size=3).map(tuple),
    markers=st.lists(_evidence, max_size=3).map(tuple),
    data_requests=st.lists(_evidence, max_size=3).map(tuple),
    opportunities=st.lists(_evidence, max_size=3).map(tuple),
    meta=st.dictionaries(_text, _json_values, max_size=4),
)


@given(_verdicts)
def test_any_verdict_comes_back_from_its_record_directly_and_through_json(verdict):
    assert CallVerdict.from_dict(verdict.to_dict()) == verdict
    assert CallVerdict.from_dict(_through_json(verdict.to_dict())) == verdict


def test_every_evidence_field_is_in_the_record_with_its_label_key():
    verdict = CallVerdict(
        id="c",
        source=None,
        markers=(Evidence(1, "acknowledge_feelings", "wat vervelend", 0, 13, "ack.1"),),
        data_requests=(Evidence(1, "license_plate", "uw kenteken", 20, 31, "req.2"),),
        opportunities=(Evidence(0, "accident", "aangereden", 8, 18, "opp.3"),),
    )
    record = verdict.to_dict()
    for name, label_key in EVIDENCE_FIELDS.items():
        assert record[name][0][label_key] == getattr(verdict, name)[0].label


def test_a_hand_written_record_takes_the_defaults():
    verdict = CallVerdict.from_dict(
        {"id": 7, "status": "ok", "opportunities": [{"turn": 0, "text": "paniek"}]}
    )
    assert verdict.id == "7"
    assert verdict.source is None
    assert not verdict.opportunity
    assert verdict.opportunities == (Evidence(0, "", "paniek", 0, 6, ""),)
    assert dict(verdict.meta) == {}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (["id", "x"], r"verdict 3 is a list, not a verdict record"),
        ({"status": "ok"}, r"verdict 3 has no id"),
        ({"id": "x", "status": "klaar"}, r"verdict 3 has status 'klaar'"),
        ({"id": "x", "status": "ok", "empathy_shown": "nee"}, r"'empathy_shown' must be true"),
        ({"id": "x", "status": "ok", "source": 12}, r"'source' must be null or text"),
        ({"id": "x", "status": "ok", "first_data_request_turn": "2"}, r"a turn number"),
        ({"id": "x", "status": "ok", "straight_to_data_probability": math.inf}, r"\[0, 1\]"),
        ({"id": "x", "status": "ok", "data_fields": "iban"}, r"'data_fields' must be a list"),
        ({"id": "x", "status": "ok", "markers": [{"text": "sorry"}]}, r"'markers' needs a turn"),
        ({"id": "x", "status": "ok", "markers": [{"turn": 1, "end": "5"}]}, r"as its end"),
        ({"id": "x", "status": "ok", "meta": ["agent"]}, r"'meta' must be an object"),
    ],
)
def test_a_record_that_is_not_a_verdict_is_refused_naming_the_field(record, message):
    with pytest.raises(ValueError, match=message) as caught:
        CallVerdict.from_dict(record, where="verdict 3")
    assert str(caught.value).endswith("expected a verdict record as `empathy-score score` writes")
