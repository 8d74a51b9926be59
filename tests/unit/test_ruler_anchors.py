"""The ruler's shortcut for token patterns finds exactly what spaCy's own Matcher finds.

A token pattern runs only on turns that hold its anchors (the words every match needs); common
anchors ("het", "niet") are checked against the turn's words, the others with phrase matchers.
Both are shortcuts: the spans must be those of a plain ``Matcher`` over every turn.
"""

from __future__ import annotations

import pytest
from spacy.matcher import Matcher

from empathy_score.components import set_speaker
from empathy_score.ruler import EmpathyRuler

PATTERNS = [
    # only stop-word anchors
    [{"LOWER": {"IN": ["heb", "hebben"]}}, {"LOWER": "het"}, {"LOWER": "niet"}],
    # a rare anchor and common ones, with a gap
    [
        {"LOWER": {"IN": ["doet", "werkt"]}},
        {"LOWER": {"IN": ["mijn", "de"]}},
        {"OP": "{,2}", "IS_PUNCT": False},
        {"LOWER": "niet"},
        {"LOWER": "meer", "OP": "?"},
    ],
    # a rare anchor and an optional common word
    [{"LOWER": "iemand", "OP": "?"}, {"LOWER": {"IN": ["gejat", "gestolen"]}}],
    # a NORM anchor that is a stop word, and a rare LOWER one
    [{"NORM": "het"}, {"LOWER": "dak"}, {"LOWER": "lekt"}],
]

TURNS = [
    "Ik heb het niet, sorry.",
    "Sinds zaterdag doet mijn internet het niet meer.",
    "De wasmachine werkt de hele dag niet.",
    "Mijn fiets is gestolen, iemand gejat?",
    "Iemand heeft hem gestolen.",
    "Het dak lekt en 't dak lekt weer.",
    "Nee hoor, het dak is prima.",
    "Hij doet het wel, maar werkt niet mee.",
    "",
]


@pytest.fixture(scope="module")
def ruler(nlp):
    ruler = EmpathyRuler(nlp, "anchors_test", family="opportunity", default_patterns=False)
    ruler.add_patterns(
        [{"label": "damage", "pattern": p, "id": f"test.{i}"} for i, p in enumerate(PATTERNS)]
    )
    return ruler


def test_every_token_pattern_finds_what_a_plain_matcher_finds(nlp, ruler):
    plain = Matcher(nlp.vocab)
    for i, pattern in enumerate(PATTERNS):
        plain.add(f"test.{i}", [pattern])
    found_any = 0
    for text in TURNS:
        doc = nlp(set_speaker(nlp.make_doc(text), "customer"))
        expected = sorted((nlp.vocab.strings[key], start, end) for key, start, end in plain(doc))
        got = sorted((span.id_, span.start, span.end) for span in ruler.match(doc))
        assert got == expected, text
        found_any += bool(got)
    assert found_any >= 5  # the turns exercise the patterns, not only their absence
