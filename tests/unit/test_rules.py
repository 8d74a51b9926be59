"""Reading rule data: slot expansion, pattern and context-rule validation, user pattern files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import srsly

import empathy_score as es
from empathy_score.components import set_speaker
from empathy_score.errors import PatternError
from empathy_score.readers.roles import load_role_cues
from empathy_score.ruler import with_lemmas
from empathy_score.rules import (
    FAMILIES,
    MAX_EXPANSION,
    expand_phrase,
    load_lexicon,
    read_context_rules,
    read_patterns,
)

LEXICON = {"kind": ("zoon", "dochter"), "dier": ("hond",)}
PATTERN_FILES = ("empathy.jsonl", "data_request.jsonl", "opportunity.jsonl", "context.jsonl")
PATTERNS_DIR = Path(es.__file__).parent / "patterns"


def write_lines(path: Path, *records: object) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- slot expansion -------------------------------------------------------------------------


def test_a_phrase_without_slots_is_itself_lowercased_and_trimmed():
    assert expand_phrase("  Wat   Vervelend ", LEXICON) == ["wat vervelend"]


def test_a_lexicon_slot_expands_to_each_entry():
    assert expand_phrase("beterschap voor uw {kind}", LEXICON) == [
        "beterschap voor uw zoon",
        "beterschap voor uw dochter",
    ]


def test_inline_alternatives_expand_in_order():
    assert expand_phrase("{heel|erg} naar", LEXICON) == ["heel naar", "erg naar"]


def test_an_optional_group_may_be_left_out():
    assert expand_phrase("wat {heel|erg?} naar", LEXICON) == [
        "wat heel naar",
        "wat erg naar",
        "wat naar",
    ]


def test_an_optional_lexicon_slot_may_be_left_out():
    assert expand_phrase("hoe gaat het met de {dier?}", LEXICON) == [
        "hoe gaat het met de hond",
        "hoe gaat het met de",
    ]


def test_an_optional_literal_word_is_written_with_an_empty_alternative():
    assert expand_phrase("{een|} flinke schrik", LEXICON) == ["een flinke schrik", "flinke schrik"]


def test_slots_nest_inside_alternatives():
    assert expand_phrase("al {{kind}|twee keer|vaak}", LEXICON) == [
        "al zoon",
        "al dochter",
        "al twee keer",
        "al vaak",
    ]


def test_groups_nest_two_levels_deep():
    assert expand_phrase("{al {twee|drie} keer|vaak} gebeld", LEXICON) == [
        "al twee keer gebeld",
        "al drie keer gebeld",
        "vaak gebeld",
    ]


def test_duplicate_expansions_are_kept_once():
    assert expand_phrase("{naar|naar} huis", LEXICON) == ["naar huis"]


def test_an_unknown_slot_raises_key_error():
    with pytest.raises(KeyError):
        expand_phrase("sterkte voor uw {huisdier}", LEXICON)


@pytest.mark.parametrize("template", ["wat {naar", "wat naar}", "{heel|{kind}"])
def test_unbalanced_braces_raise_value_error(template):
    with pytest.raises(ValueError):
        expand_phrase(template, LEXICON)


def test_an_expansion_over_the_limit_is_refused():
    words = {"w": tuple(f"w{i}" for i in range(1000))}
    with pytest.raises(ValueError, match=str(MAX_EXPANSION)):
        expand_phrase("{w} {w} {w}", words)


# --- the lexicon ----------------------------------------------------------------------------


def test_the_packaged_lexicon_skips_comment_keys_and_is_lowercase():
    lexicon = load_lexicon()
    assert "_comment" not in lexicon
    for name, entries in lexicon.items():
        assert entries, name
        assert all(entry == entry.lower().strip() for entry in entries), name


def test_a_lexicon_entry_that_is_not_a_list_of_strings_is_an_error(tmp_path):
    path = tmp_path / "lexicon.json"
    path.write_text('{"kind": "zoon"}', encoding="utf-8")
    with pytest.raises(PatternError, match=r"lexicon\.json.*'kind'"):
        load_lexicon(path)


def test_a_lexicon_with_bad_json_names_the_line(tmp_path):
    path = tmp_path / "lexicon.json"
    path.write_text('{\n "kind": ["zoon",]\n}', encoding="utf-8")
    with pytest.raises(PatternError, match=r"lexicon\.json:2: invalid JSON"):
        load_lexicon(path)


# --- pattern files --------------------------------------------------------------------------


def test_a_valid_user_file_is_read_with_slots_expanded(tmp_path):
    path = write_lines(
        tmp_path / "mijn.jsonl",
        "// eigen markers",
        {"label": "wish_well", "id": "mijn.sterkte", "pattern": "sterkte {met alles|hoor}"},
    )
    assert read_patterns("empathy", path) == [
        {"label": "wish_well", "pattern": "sterkte met alles", "id": "mijn.sterkte"},
        {"label": "wish_well", "pattern": "sterkte hoor", "id": "mijn.sterkte"},
    ]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"label": "wish_well", "id": "x", "pattern": "sterkte", "score": 1},
            r"unknown key\(s\) \['score'\]",
        ),
        ({"label": "policy_number", "id": "x", "pattern": "sterkte"}, "not a empathy label"),
        ({"label": "wish_well", "pattern": "sterkte"}, "non-empty string id"),
        ({"label": "wish_well", "id": "", "pattern": "sterkte"}, "non-empty string id"),
        ({"label": "wish_well", "id": "x", "pattern": 3}, "string .phrase. or a list"),
        ({"label": "wish_well", "id": "x", "pattern": []}, "non-empty list of objects"),
        ({"label": "wish_well", "id": "x", "pattern": "{onbekend}"}, "unknown lexicon slot"),
        ({"label": "wish_well", "id": "x", "pattern": "sterkte {voor"}, "unclosed"),
        ({"label": "wish_well", "id": "x", "pattern": "sterkte", "description": 3}, "description"),
        ("[1, 2]", "each line must be a JSON object"),
        ('{"label": "wish_well",', "invalid JSON"),
    ],
)
def test_a_bad_pattern_line_names_the_file_and_the_line(tmp_path, record, message):
    good = {"label": "wish_well", "id": "ok", "pattern": "beterschap"}
    path = write_lines(tmp_path / "mijn.jsonl", good, record)
    with pytest.raises(PatternError, match=message) as info:
        read_patterns("empathy", path)
    assert f"{path}:2:" in str(info.value)
    assert info.value.line == 2


def test_a_description_documents_a_pattern_and_stays_out_of_the_spacy_patterns(tmp_path):
    record = {
        "label": "wish_well",
        "id": "mijn.sterkte",
        "pattern": "sterkte hoor",
        "description": "een korte wens aan het eind van het gesprek",
    }
    path = write_lines(tmp_path / "mijn.jsonl", record)
    assert read_patterns("empathy", path) == [
        {"label": "wish_well", "pattern": "sterkte hoor", "id": "mijn.sterkte"}
    ]


def test_a_duplicate_id_names_both_lines(tmp_path):
    record = {"label": "wish_well", "id": "dubbel", "pattern": "sterkte"}
    path = write_lines(tmp_path / "mijn.jsonl", record, "", record)
    with pytest.raises(
        PatternError, match=r"mijn\.jsonl:3: duplicate id 'dubbel' .first on line 1"
    ):
        read_patterns("empathy", path)


def test_an_unknown_family_is_refused():
    with pytest.raises(PatternError, match="unknown rule family 'politeness'"):
        read_patterns("politeness")


def test_a_missing_pattern_file_is_a_pattern_error(tmp_path):
    with pytest.raises(PatternError, match="cannot read pattern file"):
        read_patterns("empathy", tmp_path / "bestaat_niet.jsonl")


# --- the packaged files are plain JSON Lines -------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in PATTERNS_DIR.glob("*.jsonl")))
def test_every_packaged_pattern_file_is_plain_json_lines(name):
    """Any JSON Lines reader reads the packaged files: no comment lines, no blank lines."""
    path = PATTERNS_DIR / name
    records = list(srsly.read_jsonl(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert _rounded(records) == _rounded([json.loads(line) for line in lines])
    assert records and all(isinstance(record, dict) for record in records)


def _rounded(value: object) -> object:
    """``value`` with its floats rounded: srsly's parser reads 0.3 as 0.30000000000000004."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


@pytest.mark.parametrize("family", FAMILIES)
def test_srsly_reads_the_same_patterns_the_library_reads(family):
    records = list(srsly.read_jsonl(PATTERNS_DIR / f"{family}.jsonl"))
    ids = list(dict.fromkeys(pattern["id"] for pattern in read_patterns(family)))
    assert ids == [record["id"] for record in records]


def test_srsly_reads_the_same_context_and_role_rules_the_library_reads():
    context = list(srsly.read_jsonl(PATTERNS_DIR / "context.jsonl"))
    rules = read_context_rules()
    assert [rule.id for rule in rules] == [record["id"] for record in context]
    roles = list(srsly.read_jsonl(PATTERNS_DIR / "roles.jsonl"))
    cues = load_role_cues()
    assert [(cue.id, cue.role, cue.pattern.pattern) for cue in cues] == [
        (record["id"], record["role"], record["pattern"]) for record in roles
    ]


# --- context rules --------------------------------------------------------------------------

GOOD_RULE = {
    "id": "neg",
    "pattern": "{niet|geen}",
    "effect": "exclude",
    "direction": "preceding",
    "window": 2,
    "targets": ["ack."],
}


def test_a_valid_context_file_is_read(tmp_path):
    end_rule = {"id": "end", "pattern": ".", "effect": "terminate", "description": "zinseinde"}
    path = write_lines(tmp_path / "context.jsonl", GOOD_RULE, end_rule)
    neg, end = read_context_rules(path)
    assert (neg.description, end.description) == ("", "zinseinde")
    assert neg.phrases == ("niet", "geen")
    assert neg.applies_to("ack.wat_adj") and not neg.applies_to("wish.noun")
    assert (end.effect, end.direction, end.window, end.targets) == ("terminate", "both", 0, ())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scope": 3}, r"unknown key\(s\) \['scope'\]"),
        ({"id": ""}, "unique string id"),
        ({"effect": "negate"}, "effect must be one of"),
        ({"direction": "backwards"}, "direction must be one of"),
        ({"window": -1}, "window must be a whole number"),
        ({"window": "3"}, "window must be a whole number"),
        ({"targets": []}, "non-empty list of pattern-id prefixes"),
        ({"targets": "ack."}, "non-empty list of pattern-id prefixes"),
        ({"pattern": 7}, "pattern must be a string or a token pattern"),
        ({"pattern": "{nergens}"}, "unknown lexicon slot"),
        ({"description": ["ontkenning"]}, "description must be a string"),
    ],
)
def test_a_bad_context_rule_names_the_file_and_the_line(tmp_path, change, message):
    path = write_lines(
        tmp_path / "context.jsonl", {**GOOD_RULE, "id": "eerste"}, {**GOOD_RULE, **change}
    )
    with pytest.raises(PatternError, match=message) as info:
        read_context_rules(path)
    assert f"{path}:2:" in str(info.value)


def test_a_duplicate_context_rule_id_is_an_error(tmp_path):
    path = write_lines(tmp_path / "context.jsonl", GOOD_RULE, GOOD_RULE)
    with pytest.raises(
        PatternError, match=r"context\.jsonl:2: every rule needs a unique string id"
    ):
        read_context_rules(path)


# --- the packaged rule data -----------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_the_packaged_family_loads_with_an_id_on_every_pattern(family):
    patterns = read_patterns(family)
    assert patterns
    assert all(p["id"] for p in patterns)


def test_every_context_target_names_an_existing_pattern_id_prefix():
    ids = {p["id"] for family in FAMILIES for p in read_patterns(family)}
    for rule in read_context_rules():
        for prefix in rule.targets:
            assert any(i.startswith(prefix) for i in ids), (rule.id, prefix)


def test_every_lexicon_list_is_used_by_some_pattern():
    lexicon = load_lexicon()
    text = "".join((PATTERNS_DIR / name).read_text(encoding="utf-8") for name in PATTERN_FILES)
    used = set(re.findall(r"\{(\w+)\??\}", text))
    # the one list a component reads rather than a pattern: the lemmatizer's compound heads
    import spacy

    from empathy_score.lemmatizer import Lemmatizer

    heads = Lemmatizer(spacy.blank("nl")).compound_heads
    assert set(heads) == set(lexicon["compound_heads"])
    assert set(lexicon) - used == {"compound_heads"}


def test_no_pattern_is_dropped_by_a_negation_it_contains_itself():
    """A phrase holding its own negation ("niet niks") would be dropped by the negation rule;
    such phrases live under ids the negation rules do not target (``selfneg.``)."""
    exclusions = [r for r in read_context_rules() if r.effect == "exclude" and r.phrases]
    for family in FAMILIES:
        for pattern in read_patterns(family):
            if not isinstance(pattern["pattern"], str):
                continue
            words = pattern["pattern"].split()
            pieces = {
                " ".join(words[i:j])
                for i in range(len(words))
                for j in range(i + 1, len(words) + 1)
            }
            for rule in exclusions:
                if rule.applies_to(pattern["id"]):
                    clash = pieces & set(rule.phrases)
                    assert not clash, (pattern["id"], pattern["pattern"], rule.id, clash)


# --- a user's own pattern file in the pipeline ----------------------------------------------


def test_a_user_pattern_file_adds_markers_that_carry_their_id(tmp_path):
    path = write_lines(
        tmp_path / "mijn_markers.jsonl",
        {"label": "wish_well", "id": "mijn.hart", "pattern": "{heel|} veel liefs voor {being}"},
    )
    nlp = es.load_nlp(extra_patterns={"empathy": [path]})
    doc = nlp(set_speaker(nlp.make_doc("Heel veel liefs voor oma, ik bel morgen terug."), "agent"))
    assert [(s.label_, s.id_, s.text) for s in doc.spans["empathy"]] == [
        ("wish_well", "mijn.hart", "Heel veel liefs voor oma")
    ]


def test_user_token_patterns_match_as_spacy_matches_them(tmp_path):
    """Token patterns run on lookups and anchors of our own, with the Matcher's results:
    a repeated token, a lemma in any form, a longer pattern with an optional token."""
    from spacy.matcher import Matcher

    patterns = [
        {
            "label": "worry",
            "id": "mijn.erg",
            "pattern": [{"LOWER": {"IN": ["heel", "erg"]}, "OP": "+"}],
        },
        {"label": "damage", "id": "mijn.lek", "pattern": [{"LEMMA": "lekte"}]},
        {
            "label": "damage",
            "id": "mijn.dak",
            "pattern": [{"LOWER": "het"}, {"LOWER": "dak", "OP": "?"}, {"LEMMA": "lekken"}],
        },
    ]
    path = write_lines(tmp_path / "mijn_kansen.jsonl", *patterns)
    nlp = es.load_nlp(extra_patterns={"opportunity": [path]})
    text = "Heel erg, het dak lekt en de kelder lekte ook."
    doc = nlp(set_speaker(nlp.make_doc(text), "customer"))
    ruler = nlp.get_pipe("empathy_score_opportunity")
    found = {(s.id_, s.text) for s in ruler.match(doc) if s.id_.startswith("mijn.")}
    # the same patterns, lemmas as the pipeline gives them, in spaCy's own Matcher
    reference = Matcher(nlp.vocab)
    lemma_of = nlp.get_pipe("empathy_score_lemmatizer").lemma_of
    for pattern in ruler.patterns:
        if pattern["id"].startswith("mijn."):
            reference.add(pattern["id"], [with_lemmas(pattern, lemma_of)["pattern"]])
    expected = {(nlp.vocab.strings[k], doc[a:b].text) for k, a, b in reference(doc)}
    assert found == expected
    assert {("mijn.lek", "lekt"), ("mijn.lek", "lekte"), ("mijn.dak", "het dak lekt")} <= found
    assert ("mijn.erg", "Heel erg") in found  # a repeated token: more than a word lookup


def test_a_user_pattern_file_for_an_unknown_family_is_refused(tmp_path):
    path = write_lines(tmp_path / "x.jsonl", {"label": "wish_well", "id": "x", "pattern": "hoi"})
    with pytest.raises(PatternError, match="unknown famil"):
        es.load_nlp(extra_patterns={"beleefdheid": [path]})


def test_a_broken_user_pattern_file_stops_the_pipeline_with_its_line(tmp_path):
    path = write_lines(tmp_path / "kapot.jsonl", {"label": "troost", "id": "x", "pattern": "hoi"})
    with pytest.raises(PatternError, match=r"kapot\.jsonl:1: label 'troost'"):
        es.load_nlp(extra_patterns={"empathy": [path]})


@pytest.mark.parametrize(
    ("token_pattern", "message"),
    [
        ([{"LOWERR": "sterkte"}], r"invalid token pattern: \[LOWERR\] Extra inputs"),
        ([{"LOWER": "sterkte", "OP": "!!"}], r"invalid token pattern: \[OP"),
        ([{"LOWER": {"IN": "sterkte"}}], r"invalid token pattern: \[LOWER"),
        ([{"TEXT": {"REGEX": "(sterkte"}}], "invalid REGEX in token pattern"),
    ],
)
def test_a_token_pattern_spacy_rejects_names_the_file_and_the_line(
    tmp_path, token_pattern, message
):
    """spaCy's own complaint (E152 and friends) names neither file nor line; ours names both,
    and the pipeline is not built half-way."""
    path = write_lines(
        tmp_path / "empathy.jsonl",
        {"label": "wish_well", "id": "mijn.goed", "pattern": "zet hem op"},
        "// de volgende regel is stuk",
        {"label": "wish_well", "id": "mijn.stuk", "pattern": token_pattern},
    )
    with pytest.raises(PatternError, match=message) as info:
        es.load_nlp(extra_patterns={"empathy": [path]})
    assert str(info.value).startswith(f"{path}:3: ")


def test_a_context_token_pattern_spacy_rejects_names_the_file_and_the_line(tmp_path):
    packaged = (PATTERNS_DIR / "context.jsonl").read_text(encoding="utf-8").splitlines()
    broken = {**GOOD_RULE, "id": "mijn.stuk", "pattern": [{"NORMM": "niet"}]}
    path = write_lines(tmp_path / "context.jsonl", *packaged, broken)
    with pytest.raises(PatternError, match=r"invalid token pattern: \[NORMM\]") as info:
        es.load_nlp(context_rules=path)
    assert str(info.value).startswith(f"{path}:{len(packaged) + 1}: ")
