"""Memory stays flat however many calls are scored: what spaCy meets once is not kept."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest

from empathy_score import EmpathyScorer, load_nlp
from empathy_score import scorer as scorer_module
from empathy_score.corpus import load_corpus

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def calls(repo_root):
    return [c.transcript for c in load_corpus(repo_root / "corpora", {"dev"})]


def with_fresh_numbers(calls, seed):
    """The calls with every digit drawn anew: new policy numbers, plates and dates.

    The benchmark's own ``fresh_numbers``, so that what the tests hold flat is what the
    benchmark measures (``benchmarks/`` is a folder of scripts, not a package).
    """
    return _benchmark().fresh_numbers(calls, seed)


@functools.cache
def _benchmark():
    path = REPO / "benchmarks" / "throughput.py"
    spec = importlib.util.spec_from_file_location("empathy_score_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_memory_zones_give_the_same_verdicts(calls, scorer, monkeypatch):
    expected = [v.to_dict() for v in scorer.score_many(calls)]
    monkeypatch.setattr(scorer_module, "PERMANENT_CALLS", 0)
    zoned = EmpathyScorer(load_nlp(), model=scorer.classifier)
    assert [v.to_dict() for v in zoned.score_many(calls, chunk_size=16)] == expected


def test_new_numbers_do_not_grow_the_vocabulary_once_zones_start(calls, monkeypatch):
    monkeypatch.setattr(scorer_module, "PERMANENT_CALLS", len(calls))
    nlp = load_nlp()
    rules = EmpathyScorer(nlp, model=None)
    for _ in rules.score_many(calls):  # the permanent part: the corpus's own words stay
        pass
    before = len(nlp.vocab.strings)
    for _ in rules.score_many(with_fresh_numbers(calls, 1)):
        pass
    assert len(nlp.vocab.strings) == before

    # and without zones spaCy keeps every new number: what the zones are for
    plain = EmpathyScorer(load_nlp(), model=None)
    monkeypatch.setattr(scorer_module, "PERMANENT_CALLS", 10**9)
    for _ in plain.score_many(calls):
        pass
    before = len(plain.nlp.vocab.strings)
    for _ in plain.score_many(with_fresh_numbers(calls, 2)):
        pass
    assert len(plain.nlp.vocab.strings) > before


def test_scoring_inside_the_callers_own_memory_zone_does_not_nest_one(calls, monkeypatch):
    monkeypatch.setattr(scorer_module, "PERMANENT_CALLS", 0)
    nlp = load_nlp()
    rules = EmpathyScorer(nlp, model=None)
    expected = [v.to_dict() for v in EmpathyScorer(load_nlp(), model=None).score_many(calls)]
    with nlp.memory_zone():
        doc = nlp("Mijn kenteken is XQ-123-Z, mijn hond is aangereden.")
        inside = [v.to_dict() for v in rules.score_many(with_fresh_numbers(calls, 0), chunk_size=8)]
        assert [t.text for t in doc][3] == "XQ-123-Z"  # the caller's own strings are still there
    assert [v["straight_to_data"] for v in inside] == [v["straight_to_data"] for v in expected]
