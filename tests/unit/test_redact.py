"""Masking personal data in Dutch call text: what redact() replaces, and what it leaves alone."""

import json
from pathlib import Path

import pytest

from empathy_score.redact import DEFAULT_RULES, RedactionRule, redact, redact_error

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
    spoken = {"spoken number", "compound number", "date", "spoken email", "spelling alphabet"}
    assert spoken | {"unicode digits", "untouched"} <= kinds


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


def test_no_number_survives_redaction_of_a_spoken_caller_turn():
    turn = (
        "ik ben Sandra de Wit, geboren op twaalf maart negentienachtenzeventig, ik woon op "
        "nummer zesentwintig, bel me op nul zes vier acht twaalf negen drie zeven of mail "
        "sandra punt de wit apenstaartje ziggo punt nl, kenteken golf hotel vier een twee kilo"
    )
    masked = redact(turn)
    for said in ("maart", "zesentwintig", "twaalf", "ziggo", "golf", "kilo", "acht"):
        assert said not in masked, masked
    assert "Sandra de Wit" in masked  # names are not masked, and the docs say so


@pytest.mark.parametrize(
    ("message", "source", "expected"),
    [
        (
            "calls/b.vtt:6: cue timing '00:00:02,000 --> bel 0612345678' is not WebVTT's",
            "calls/b.vtt",
            "calls/b.vtt:6: cue timing '[NUMBER],[NUMBER] --> bel [NUMBER]' is not WebVTT's",
        ),
        (
            "calls/2024-03-01.csv: call 'gestolen': 'bel NL91ABNA0417164300' is not a time",
            "calls/2024-03-01.csv",
            "calls/2024-03-01.csv: call 'gestolen': 'bel [IBAN]' is not a time",
        ),
        (
            "line 12: unknown speaker label 'Klant 0612345678'",
            None,
            "line 12: unknown speaker label 'Klant [NUMBER]'",
        ),
        ("no turns in this call", "calls/a.txt", "no turns in this call"),
    ],
)
def test_redact_error_masks_quoted_input_but_keeps_the_file_and_line(message, source, expected):
    assert redact_error(message, source) == expected
