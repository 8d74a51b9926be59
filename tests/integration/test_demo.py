"""The bundled demo calls, scored end to end, against their gold labels."""

import json

import pytest

DECISIONS = ("opportunity", "straight_to_data", "empathy_before_data")


@pytest.fixture(scope="module")
def demo(repo_root, scorer):
    gold = {}
    for line in (repo_root / "corpora" / "demo_gold.jsonl").read_text().splitlines():
        record = json.loads(line)
        gold[record["id"]] = record
    verdicts = {v.id: v for v in scorer.score_many([repo_root / "corpora" / "demo"])}
    return gold, verdicts


def test_every_demo_file_is_scored(demo):
    gold, verdicts = demo
    assert set(verdicts) == set(gold)
    assert all(v.ok for v in verdicts.values())


@pytest.mark.parametrize("name", ["zoon_ziek_leaseauto", "hond_aangereden"])
def test_the_two_cases_from_the_research_go_straight_to_data(demo, name):
    _, verdicts = demo
    assert verdicts[name].opportunity
    assert verdicts[name].straight_to_data


def test_the_articles_better_reply_is_not_flagged(demo):
    _, verdicts = demo
    verdict = verdicts["hond_aangereden_empathisch"]
    assert verdict.opportunity
    assert verdict.empathy_before_data
    assert not verdict.straight_to_data
    assert {"acknowledge_feelings", "wish_well"} <= {m.label for m in verdict.markers}


def test_demo_call_decisions_match_gold_on_most_calls(demo):
    gold, verdicts = demo
    agree = sum(all(getattr(verdicts[i], d) == gold[i][d] for d in DECISIONS) for i in gold)
    assert agree >= len(gold) - 2, f"only {agree} of {len(gold)} demo calls match gold"
