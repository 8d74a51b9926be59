"""The assertion helpers: what passes, what fails, and the exact message a script writer reads."""

from pathlib import Path

import pytest

from empathy_score import TranscriptError, parse_text
from empathy_score.rules import LABELS, read_context_rules
from empathy_score.testing import (
    assert_data_request,
    assert_empathy_before_data,
    assert_markers,
    assert_no_markers,
    assert_not_straight_to_data,
    shared_scorer,
)
from empathy_score.testing.suggestions import (
    FIELD_REQUESTS,
    KIND_NAMES,
    MARKER_EXAMPLES,
    OPPORTUNITY_REPLIES,
    packaged_json,
)

SCRIPTS = Path(__file__).parent / "data" / "scripts"

EMPATHY_FIRST = """
    Klant: Mijn hond is aangereden, hij ligt bij de dierenarts.
    Agent: Wat schrikken, ik hoop dat hij het goed maakt. Mag ik uw polisnummer?
"""
STRAIGHT_TO_DATA = """
    Klant: Mijn hond is aangereden, hij ligt bij de dierenarts.
    Agent: Mag ik uw polisnummer?
"""
# The message from the issue, word for word.
STRAIGHT_TO_DATA_MESSAGE = (
    'turn 1 (agent) asks for policy_number ("Mag ik uw polisnummer?") before any empathy; the '
    'customer said "Mijn hond is aangereden" in turn 0. Add e.g. an acknowledgement ("Wat '
    'schrikken…") or a wish ("Ik hoop dat hij het goed maakt") before the request.'
)
INVOICE = """
    Klant: Ik heb een vraag over mijn factuur.
    Agent: Mag ik uw klantnummer?
"""


def message(check, *args) -> str:
    with pytest.raises(AssertionError) as failure:
        check(*args)
    return str(failure.value)


# --- empathy before data ---------------------------------------------------------------------


def test_empathy_first_passes():
    assert_empathy_before_data(EMPATHY_FIRST)
    assert_not_straight_to_data(EMPATHY_FIRST)


@pytest.mark.parametrize("check", [assert_empathy_before_data, assert_not_straight_to_data])
def test_straight_to_data_fails_with_the_message_from_the_issue(check):
    assert message(check, STRAIGHT_TO_DATA) == STRAIGHT_TO_DATA_MESSAGE


def test_no_opportunity_is_not_straight_to_data_but_shows_no_empathy_first():
    assert_not_straight_to_data(INVOICE)
    assert message(assert_empathy_before_data, INVOICE) == (
        'turn 1 (agent) asks for customer_number ("Mag ik uw klantnummer?") before any '
        'empathy. Add e.g. an acknowledgement ("Wat vervelend voor u…") or a wish ("Heel veel '
        'sterkte") before the request.'
    )


def test_empathy_after_the_request_is_named_and_should_move():
    script = """
        Klant: Mijn vader is vorige week overleden.
        Agent: Mag ik uw polisnummer? Gecondoleerd met uw verlies.
    """
    assert message(assert_empathy_before_data, script) == (
        'turn 1 (agent) asks for policy_number ("Mag ik uw polisnummer?") before any empathy; '
        'the customer said "Mijn vader is vorige week overleden." in turn 0. The first empathy '
        'comes after it: acknowledge_feelings ("Gecondoleerd met uw verlies.", turn 1); move it '
        "before the request."
    )


def test_no_request_and_no_empathy_names_the_agent_turn():
    script = """
        Klant: Er is ingebroken, ik ben er kapot van.
        Agent: Goedemiddag, waarmee kan ik u helpen?
    """
    assert message(assert_empathy_before_data, script) == (
        'turn 1 (agent) "Goedemiddag, waarmee kan ik u helpen?" has no empathy marker (and no '
        'data request); the customer said "Er is ingebroken" in turn 0. Add e.g. an '
        'acknowledgement ("Wat naar, dat is schrikken…") or a question how they are ("Gaat het '
        'een beetje met u?").'
    )


def test_a_long_turn_is_quoted_by_its_clause():
    script = (
        "Klant: Mijn dochter is gisteren met de fiets gevallen en ligt nu met een hersenschudding "
        "in het ziekenhuis.\n"
        "Agent: Goedemiddag, u spreekt met Sanne van de schadeafdeling. Dan heb ik eerst uw "
        "polisnummer nodig, dan kan ik het dossier voor u opzoeken."
    )
    text = message(assert_not_straight_to_data, script)
    assert text.startswith(
        'turn 1 (agent) asks for policy_number ("Dan heb ik eerst uw polisnummer nodig")'
    )


# --- markers ---------------------------------------------------------------------------------


def test_condolence_template_has_its_marker():
    assert_markers("Gecondoleerd met het verlies van uw vader.", {"acknowledge_feelings"})


def test_markers_without_categories_asks_for_any_marker():
    assert_markers("Heel veel sterkte de komende tijd.")


def test_missing_category_says_what_was_found_and_what_to_add():
    sentence = "Gecondoleerd met het verlies van uw vader."
    (marker,) = shared_scorer().score("Agent: " + sentence).markers
    assert message(assert_markers, sentence, "wish_well") == (
        f'turn 0 (agent) "{sentence}" has no wish_well marker; found acknowledge_feelings '
        f'("{marker.text}"). Add e.g. a wish ("Heel veel sterkte").'
    )


def test_a_dropped_candidate_is_explained():
    sentence = "Ik kan me niet voorstellen dat u de brief niet gelezen heeft."
    assert message(assert_markers, sentence, "acknowledge_feelings") == (
        f'turn 0 (agent) "{sentence}" has no acknowledge_feelings marker; "voorstellen" in '
        "turn 0 was not counted: it reads as a reproach (rule reproach). Add e.g. an "
        'acknowledgement ("Wat vervelend voor u…").'
    )


def test_several_agent_turns_are_listed_not_quoted():
    script = """
        Klant: Mijn auto is gestolen.
        Agent: Goedemiddag.
        Klant: Ja, vannacht.
        Agent: Mag ik uw kenteken? Wat vervelend voor u.
    """
    assert message(assert_markers, script, ["wish_well", "ask_wellbeing"]) == (
        "the agent turns (1, 3) have no wish_well or ask_wellbeing marker; found "
        'acknowledge_feelings ("Wat vervelend voor u.", turn 3). Add e.g. a wish ("Heel veel '
        'sterkte") and a question how they are ("Gaat het een beetje met u?").'
    )


def test_a_script_without_agent_turns_says_so():
    assert "the script has no agent turn" in message(assert_markers, "Klant: Wat vervelend.")


@pytest.mark.parametrize(
    "sentence", ["Excuses voor het wachten, fijne dag nog.", "Hoe gaat het met de aanvraag?"]
)
def test_politeness_and_questions_about_things_are_no_markers(sentence):
    assert_no_markers(sentence)


def test_no_markers_names_the_words_and_the_rule_that_fired():
    sentence = "Ach, wat vervelend voor u, maar dat staat in de voorwaarden."
    (marker,) = shared_scorer().score("Agent: " + sentence).markers
    assert message(assert_no_markers, sentence) == (
        f"expected no empathy markers, but turn 0 (agent) has acknowledge_feelings "
        f'"{marker.text}" in "wat vervelend voor u" (rule {marker.rule}).'
    )


def test_no_markers_of_one_category():
    assert_no_markers("Wat vervelend voor u.", "wish_well")
    with pytest.raises(AssertionError, match="expected no acknowledge_feelings markers"):
        assert_no_markers("Wat vervelend voor u.", ["acknowledge_feelings"])


@pytest.mark.parametrize("check", [assert_markers, assert_no_markers])
def test_unknown_category_is_a_mistake_in_the_test(check):
    with pytest.raises(ValueError, match="unknown marker category 'sympathy'"):
        check("Wat vervelend voor u.", ["sympathy"])


# --- data requests ---------------------------------------------------------------------------


def test_data_request_passes():
    assert_data_request("Mag ik uw kenteken?", "license_plate")


def test_a_confirmation_is_not_a_request_and_the_message_says_so():
    confirmation = "Dus uw kenteken is AB-123-C, klopt dat?"
    assert message(assert_data_request, confirmation, "license_plate") == (
        'turn 0 (agent) "Dus uw kenteken is AB-123-C, klopt dat?" does not ask for license_plate; '
        '"kenteken" in turn 0 was not counted: it confirms data already given (rule '
        'req.confirm_before). Ask e.g. "Mag ik uw kenteken?".'
    )


def test_another_field_is_named():
    (request,) = shared_scorer().score("Agent: Mag ik uw polisnummer?").data_requests
    assert message(assert_data_request, "Mag ik uw polisnummer?", "license_plate") == (
        'turn 0 (agent) "Mag ik uw polisnummer?" does not ask for license_plate; found '
        f'policy_number ("{request.text}"). Ask e.g. "Mag ik uw kenteken?".'
    )


def test_unknown_field_is_a_mistake_in_the_test():
    with pytest.raises(ValueError, match="unknown data field 'polis'"):
        assert_data_request("Mag ik uw polisnummer?", "polis")


def test_placeholders_are_pointed_out_when_a_check_fails():
    assert message(assert_data_request, "Mag ik uw {{polisnummer}}?", "policy_number") == (
        'turn 0 (agent) "Mag ik uw {{polisnummer}}?" does not ask for policy_number. Ask e.g. '
        '"Mag ik uw polisnummer?". (Placeholders such as {{polisnummer}} are read as neutral '
        "words.)"
    )


# --- inputs ----------------------------------------------------------------------------------


def test_a_transcript_and_a_path_are_accepted():
    assert_empathy_before_data(parse_text(EMPATHY_FIRST))
    assert_empathy_before_data(SCRIPTS / "schade" / "hond_aangereden.txt")
    assert_empathy_before_data(SCRIPTS / "inbraak.yaml")
    assert_markers(SCRIPTS / "overlijden.json", ["acknowledge_feelings", "wish_well"])


def test_a_message_about_a_file_starts_with_file_and_line():
    path = SCRIPTS / "schade" / "leaseauto.yml"
    assert message(assert_not_straight_to_data, path).startswith(
        f'{path}:7: turn 1 (agent) asks for license_plate ("Wat is het kenteken van de auto?")'
    )


def test_a_bare_sentence_with_a_colon_is_one_agent_turn():
    assert_markers("Let op: wat vervelend voor u.", "acknowledge_feelings")


def test_call_level_checks_need_speaker_labels():
    with pytest.raises(TranscriptError, match="first line has no speaker label"):
        assert_empathy_before_data("Wat vervelend voor u. Mag ik uw polisnummer?")


def test_a_file_name_given_as_text_is_pointed_out():
    with pytest.raises(ValueError, match=r"pass Path\('scripts/hond.txt'\) to read the file"):
        assert_markers("scripts/hond.txt")


def test_other_input_is_a_type_error():
    with pytest.raises(TypeError, match="give text, a Path or a Transcript"):
        assert_markers(["Wat vervelend voor u."])


# --- the suggestions pass their own assertions -----------------------------------------------

REPLIES = sorted(
    {(category, phrase) for pairs in OPPORTUNITY_REPLIES.values() for category, phrase in pairs}
    | set(MARKER_EXAMPLES.items())
)


@pytest.mark.parametrize(("category", "phrase"), REPLIES)
def test_suggested_phrase_is_the_marker_it_suggests(category, phrase):
    assert_markers(phrase.rstrip("…"), category)


@pytest.mark.parametrize(("field", "phrase"), sorted(FIELD_REQUESTS.items()))
def test_suggested_request_asks_for_its_field(field, phrase):
    assert_data_request(phrase, field)


def test_every_opportunity_label_has_a_reply():
    assert set(OPPORTUNITY_REPLIES) - {None} == set(LABELS["opportunity"])


def test_every_marker_category_and_data_field_has_a_suggestion():
    assert set(MARKER_EXAMPLES) == set(KIND_NAMES) == LABELS["empathy"]
    assert set(FIELD_REQUESTS) == LABELS["data_request"]


def test_every_rejection_reason_names_packaged_context_rules():
    """A reason in ``rejections.json`` whose prefix starts no rule id would never be given."""
    rules = read_context_rules()
    required = [rule.id for rule in rules if rule.effect == "require"]
    for entry in packaged_json("rejections.json")["reasons"]:
        prefix = entry["prefix"]
        if prefix.startswith("missing:"):
            ids, prefix = required, prefix.removeprefix("missing:")
        else:
            ids = [rule.id for rule in rules if rule.effect == "exclude"]
        assert any(rule_id.startswith(prefix) for rule_id in ids), entry


# --- advice that fits the situation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "advice"),
    [
        (
            "Klant: Ik heb al een week hoge koorts.\nAgent: Wat is uw geboortedatum?",
            '("Veel beterschap")',
        ),
        (
            "Klant: Mijn moeder is gisteren overleden, al een week geleden ziek geworden.\n"
            "Agent: Mag ik uw klantnummer?",
            '("Gecondoleerd met uw verlies…")',
        ),
        (
            "Klant: Dit is de vierde keer dat ik bel over mijn factuur.\n"
            "Agent: Wat is uw klantnummer?",
            '("Begrijpelijk dat u het zat bent…")',
        ),
    ],
)
def test_the_advice_answers_the_weightiest_distress(script, advice):
    with pytest.raises(AssertionError) as failure:
        assert_not_straight_to_data(script)
    assert advice in str(failure.value)


def test_every_category_has_a_place_in_the_precedence():
    from empathy_score.testing.suggestions import _PRECEDENCE

    assert set(_PRECEDENCE) == set(LABELS["opportunity"])
