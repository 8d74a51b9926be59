"""Masking personal data in Dutch call text: what redact() replaces, and what it leaves alone."""

import json
from pathlib import Path

import pytest

from empathy_score.redact import DEFAULT_RULES, RedactionRule, redact

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent.parent / "data" / "report" / "redact_cases.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}: {c['text'][:40]}" for c in CASES])
def test_redact_masks_personal_data_in_dutch_call_text(case):
    assert redact(case["text"]) == case["expected"]


def test_the_cases_cover_every_kind_of_personal_data_the_report_promises_to_mask():
    kinds = {case["kind"] for case in CASES}
    assert {"plate", "spelled plate", "iban", "email", "postcode", "number"} <= kinds


def test_no_digit_survives_redaction_of_a_full_caller_turn():
    turn = (
        "Goedemiddag, met Sandra de Wit, postcode 2511 CV nummer 87, kenteken KX-208-T en mijn "
        "rekening is NL20 INGB 0001 2345 67. Bel me terug op 06-48120937 of mail s.dewit@ziggo.nl."
    )
    masked = redact(turn)
    assert not any(ch.isdigit() for ch in masked), masked
    assert "KX" not in masked and "ziggo" not in masked
    assert "Sandra de Wit" in masked  # names are not masked, and the docs say so


def test_redact_takes_other_rules():
    rules = (RedactionRule("polis", r"\bRV-\d+\b", "[POLIS]"), *DEFAULT_RULES)
    assert redact("Mijn polis is RV-481203.", rules) == "Mijn polis is [POLIS]."


def test_a_rule_can_decide_per_match():
    keep_short = RedactionRule("long", r"\d+", lambda m: "[N]" if len(m.group()) > 3 else m.group())
    assert redact("om 10 uur, dossier 2024555", [keep_short]) == "om 10 uur, dossier [N]"
