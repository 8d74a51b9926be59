"""Reading transcripts: the data model, the role aliases, and each input format."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import pickle
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from empathy_score.errors import TranscriptError, TranscriptWarning
from empathy_score.transcript import (
    AGENT,
    CUSTOMER,
    DEFAULT_ROLE_ALIASES,
    SUPPORTED_SUFFIXES,
    Transcript,
    Turn,
    iter_transcripts,
    load_transcript,
    parse_text,
)

DATA = Path(__file__).parent.parent / "data" / "transcripts"
SHAPE_ERRORS = [
    json.loads(line)
    for line in (DATA / "cases" / "json_shape_errors.jsonl").read_text("utf-8").splitlines()
]


def speakers(transcript: Transcript) -> list[str]:
    return [turn.speaker for turn in transcript.turns]


def texts(transcript: Transcript) -> list[str]:
    return [turn.text for turn in transcript.turns]


# --- data model ---------------------------------------------------------------------------------


def test_turn_accepts_only_the_two_roles():
    with pytest.raises(ValueError, match="'agent' or 'customer'"):
        Turn("klant", "Hallo, ik heb een vraag.")


def test_transcript_stores_turns_as_a_tuple():
    transcript = Transcript("c1", [Turn(AGENT, "Goedemiddag.")])
    assert transcript.turns == (Turn(AGENT, "Goedemiddag."),)


def test_transcript_needs_at_least_one_turn():
    with pytest.raises(ValueError, match="no turns"):
        Transcript("c1", ())


def test_mutating_the_input_meta_after_parsing_does_not_change_the_transcript():
    meta = {"team": "facturen", "tags": ["terugbellen"]}
    transcript = parse_text("Klant: Hallo.", meta=meta)
    meta["team"] = "verhuizingen"
    meta["tags"].append("klacht")
    assert transcript.meta == {"team": "facturen", "tags": ["terugbellen"]}


def test_the_meta_of_a_transcript_cannot_be_modified():
    transcript = parse_text("Klant: Hallo.", meta={"team": "facturen"})
    with pytest.raises(TypeError):
        transcript.meta["team"] = "verhuizingen"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        transcript.meta = {}  # type: ignore[misc]


# --- role aliases -------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "role"), sorted(DEFAULT_ROLE_ALIASES.items()))
def test_default_alias_maps_label_to_role(label, role):
    transcript = parse_text(f"{label}: Goedemiddag.")
    assert speakers(transcript) == [role]


@pytest.mark.parametrize("label", ["KLANT", "Klant", "kLaNt"])
def test_labels_are_case_insensitive(label):
    assert speakers(parse_text(f"{label}: Ik bel over mijn factuur.")) == [CUSTOMER]


def test_user_aliases_are_added_to_the_defaults():
    text = "Spreker 1: Goedemiddag, met Sanne.\nSpreker 2: Hallo.\nKlant: Ik heb een vraag."
    transcript = parse_text(text, aliases={"Spreker 1": "agent", "SPREKER 2": "customer"})
    assert speakers(transcript) == [AGENT, CUSTOMER, CUSTOMER]


def test_user_aliases_override_the_defaults():
    assert speakers(parse_text("A: Hallo.", aliases={"a": "customer"})) == [CUSTOMER]


def test_user_alias_to_an_unknown_role_is_rejected():
    with pytest.raises(ValueError, match="aliases\\['teamleider'\\] must be 'agent' or 'customer'"):
        parse_text("Teamleider: Hallo.", aliases={"teamleider": "manager"})


def test_json_speakers_go_through_the_aliases(tmp_path):
    path = tmp_path / "gesprek.json"
    path.write_text(json.dumps({"turns": [{"speaker": "Spreker 1", "text": "Goedemiddag."}]}))
    assert speakers(load_transcript(path, aliases={"spreker 1": "agent"})) == [AGENT]


# --- the .txt format ----------------------------------------------------------------------------


def test_each_labelled_line_starts_a_turn_at_its_line():
    transcript = parse_text("Medewerker: Goedemiddag.\nKlant: Hallo, met Jan.")
    assert transcript.turns == (
        Turn(AGENT, "Goedemiddag.", line=1),
        Turn(CUSTOMER, "Hallo, met Jan.", line=2),
    )


def test_a_line_without_label_continues_the_previous_turn():
    transcript = parse_text("Klant: Ik bel over mijn factuur.\nDaar klopt iets niet aan.")
    assert texts(transcript) == ["Ik bel over mijn factuur. Daar klopt iets niet aan."]


def test_blank_lines_are_skipped():
    transcript = parse_text("\n\nKlant: Hallo.\n\n   \nMedewerker: Goedemiddag.\n\n")
    assert texts(transcript) == ["Hallo.", "Goedemiddag."]
    assert [turn.line for turn in transcript.turns] == [3, 6]


def test_indentation_of_a_triple_quoted_string_is_ignored():
    transcript = parse_text(
        """
        Medewerker: Goedemiddag, waarmee kan ik u helpen?
            Klant: Mijn internet valt steeds weg,
            vooral 's avonds.
        """
    )
    assert texts(transcript) == [
        "Goedemiddag, waarmee kan ik u helpen?",
        "Mijn internet valt steeds weg, vooral 's avonds.",
    ]


def test_windows_line_endings_are_line_breaks():
    assert texts(parse_text("Klant: Hallo.\r\nAgent: Goedemiddag.\r\n")) == [
        "Hallo.",
        "Goedemiddag.",
    ]


def test_a_time_inside_a_turn_is_text():
    assert texts(parse_text("Agent: dus om 10:30 ben ik er")) == ["dus om 10:30 ben ik er"]


@pytest.mark.parametrize(
    "continuation",
    [
        "dat was om 10:30",
        "10:30 past mij goed",
        "om 10:30 dan?",
        "kijk op https://www.voorbeeld.nl/storingen",
        "zoals ik al zei, het gaat om een bedrag van: 45 euro",
    ],
)
def test_colon_inside_a_continuation_line_is_not_a_label(continuation):
    transcript = parse_text(f"Klant: Ik bel u terug,\n{continuation}")
    assert texts(transcript) == [f"Ik bel u terug, {continuation}"]


def test_an_unknown_label_names_file_line_and_how_to_add_it():
    path = DATA / "unknown_label.txt"
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: unknown speaker label 'Manager' (known: agent, ")
    assert "aliases={'manager': 'agent'}" in message
    assert (caught.value.path, caught.value.line) == (str(path), 3)


@pytest.mark.parametrize(
    ("text", "label", "line"),
    [
        ("Klant: Ik wil iemand anders spreken.\nTeamleider: Goedemiddag.", "Teamleider", 2),
        ("Medewerker: Ik verbind u door.\nAgent 2: Goedemiddag.", "Agent 2", 2),
        ("Spreker 1: Goedemiddag.\nSpreker 2: Hallo.", "Spreker 1", 1),
    ],
    ids=["unknown word", "known label with a number", "numbered speaker on the first line"],
)
def test_a_prefix_shaped_like_a_label_must_be_known(text, label, line):
    with pytest.raises(TranscriptError, match=f"line {line}: unknown speaker label '{label}'"):
        parse_text(text)


def test_text_before_the_first_label_is_an_error():
    with pytest.raises(TranscriptError, match="line 2: first line has no speaker label"):
        parse_text("\nGoedemiddag, u spreekt met Sanne.\nKlant: Hallo.")


def test_text_without_any_lines_has_no_turns():
    with pytest.raises(TranscriptError, match="no turns"):
        parse_text("   \n\n")


@given(st.text())
def test_parse_text_only_ever_raises_transcript_error(text):
    with contextlib.suppress(TranscriptError):
        parse_text(text)


one_line = st.text(st.characters(blacklist_characters="\r\n")).map(str.strip)


@given(st.lists(st.tuples(st.sampled_from([AGENT, CUSTOMER]), one_line), min_size=1))
def test_written_turns_read_back_unchanged(turns):
    """Unchanged but for lone surrogates, which no UTF-8 output could hold: they become U+FFFD."""
    from empathy_score.transcript import safe_text

    text = "\n".join(f"{speaker}: {said}" for speaker, said in turns)
    expected = [(speaker, safe_text(said)) for speaker, said in turns]
    assert [(turn.speaker, turn.text) for turn in parse_text(text).turns] == expected


# --- the .txt, .json and .jsonl files -----------------------------------------------------------


def test_txt_file_is_read_with_its_name_as_id():
    path = DATA / "invoice_call.txt"
    transcript = load_transcript(path)
    assert (transcript.id, transcript.source) == ("invoice_call", str(path))
    assert speakers(transcript) == [AGENT, CUSTOMER, AGENT, CUSTOMER, AGENT]
    assert transcript.turns[1] == Turn(
        CUSTOMER,
        "Hallo, ik bel over mijn laatste factuur. Daar staat een bedrag op "
        "dat ik echt niet begrijp.",
        line=2,
    )
    assert transcript.turns[4].text == "Dat is goed, dan bel ik u om 10:30 terug."


def test_json_file_is_read_with_id_meta_roles_and_times():
    transcript = load_transcript(DATA / "moving_call.json")
    assert transcript.id == "verhuizing-0042"
    assert transcript.meta == {"team": "verhuizingen", "kanaal": "telefoon"}
    assert speakers(transcript) == [AGENT, CUSTOMER, AGENT]
    assert (transcript.turns[1].start, transcript.turns[1].end) == (3.5, 7.9)
    assert transcript.turns[2] == Turn(
        AGENT, "Gefeliciteerd met uw nieuwe woning! Dat regel ik graag voor u."
    )


def test_jsonl_file_with_one_call_is_loaded_with_its_id_as_string():
    transcript = load_transcript(DATA / "single_call.jsonl")
    assert transcript.id == "7"
    assert speakers(transcript) == [CUSTOMER, AGENT]
    assert [turn.line for turn in transcript.turns] == [1, 1]


def test_jsonl_file_with_several_calls_points_to_iter_transcripts():
    with pytest.raises(TranscriptError, match="more than one call; use iter_transcripts"):
        load_transcript(DATA / "folder" / "sub" / "c_calls.jsonl")


def test_invalid_json_error_names_the_line(tmp_path):
    path = tmp_path / "gesprek.json"
    path.write_text(
        '{\n  "id": "x",\n  "turns": [\n    {"speaker": "klant" "text": "Hallo"}\n  ]\n}\n', "utf-8"
    )
    with pytest.raises(TranscriptError, match=r"gesprek\.json:4: invalid JSON: ") as caught:
        load_transcript(path)
    assert caught.value.line == 4


@pytest.mark.parametrize("case", SHAPE_ERRORS, ids=[case["case"] for case in SHAPE_ERRORS])
def test_json_of_the_wrong_shape_gets_a_specific_message(tmp_path, case):
    path = tmp_path / "gesprek.json"
    path.write_text(json.dumps(case["call"]), "utf-8")
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    assert caught.value.reason.startswith(case["error"])


def test_a_bad_jsonl_line_is_yielded_as_an_error_between_the_good_calls():
    path = DATA / "calls_with_bad_line.jsonl"
    results = list(iter_transcripts(path))
    assert [type(result) for result in results] == [Transcript, TranscriptError, Transcript]
    assert str(results[1]) == f'{path}:2: turns[0]: missing "text"'
    assert results[0].id == "storing-1"
    assert results[2].id == "calls_with_bad_line:4"


@pytest.mark.parametrize("suffix", [".txt", ".json", ".jsonl"])
def test_an_empty_file_is_an_error(tmp_path, suffix):
    path = tmp_path / f"gesprek{suffix}"
    path.write_bytes(b"")
    with pytest.raises(TranscriptError, match="empty file"):
        load_transcript(path)


@pytest.mark.parametrize("suffix", [".txt", ".json", ".jsonl"])
def test_a_binary_file_is_an_error(tmp_path, suffix):
    path = tmp_path / f"opname{suffix}"
    path.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00")
    with pytest.raises(TranscriptError, match="binary file"):
        load_transcript(path)


def test_a_utf16_file_is_called_binary_with_advice(tmp_path):
    path = tmp_path / "gesprek.txt"
    path.write_text("Klant: Hallo.", encoding="utf-16")
    with pytest.raises(TranscriptError, match="looks like UTF-16 text; save it as UTF-8"):
        load_transcript(path)


@pytest.mark.parametrize(
    ("suffix", "content"),
    [
        (".txt", "Klant: Hoe laat gaat het café open?"),
        (".json", '{"turns": [{"speaker": "klant", "text": "Hoe laat gaat het café open?"}]}'),
        (".jsonl", '{"turns": [{"speaker": "klant", "text": "Hoe laat gaat het café open?"}]}'),
    ],
)
def test_a_utf8_byte_order_mark_is_ignored(tmp_path, suffix, content):
    path = tmp_path / f"gesprek{suffix}"
    path.write_text(content, encoding="utf-8-sig")
    assert texts(load_transcript(path)) == ["Hoe laat gaat het café open?"]


@pytest.mark.parametrize(
    ("suffix", "content"),
    [
        (".txt", "Klant: Ik heb één vraag over het café."),
        (".jsonl", '{"turns": [{"speaker": "klant", "text": "Ik heb één vraag over het café."}]}'),
    ],
)
def test_a_windows_1252_file_is_read_with_a_warning(tmp_path, suffix, content):
    path = tmp_path / f"gesprek{suffix}"
    path.write_bytes(content.encode("cp1252"))
    with pytest.warns(TranscriptWarning, match="not valid UTF-8; read as Windows-1252") as caught:
        transcript = load_transcript(path)
    assert str(path) in str(caught[0].message)
    assert texts(transcript) == ["Ik heb één vraag over het café."]


def test_a_utf8_file_is_read_without_warnings(tmp_path):
    path = tmp_path / "gesprek.txt"
    path.write_text("Klant: Ik heb één vraag over het café.", "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_transcript(path)


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "bestaat_niet.txt"
    with pytest.raises(TranscriptError, match=r"bestaat_niet\.txt: no such file or directory"):
        load_transcript(path)


def test_an_unsupported_extension_lists_the_supported_ones():
    with pytest.raises(TranscriptError, match=r"unsupported file type '\.md'; supported: "):
        load_transcript(DATA / "folder" / "notes.md")


def test_a_folder_given_to_load_transcript_points_to_iter_transcripts():
    with pytest.raises(TranscriptError, match="is a folder; use iter_transcripts"):
        load_transcript(DATA / "folder")


# --- iter_transcripts ---------------------------------------------------------------------------


def test_a_folder_is_walked_in_sorted_order_skipping_unsupported_files():
    results = list(iter_transcripts(DATA / "folder"))
    assert [result.id for result in results] == ["a_call", "b_call", "c_calls:1", "c_calls:2"]


def test_inputs_are_read_in_the_order_given():
    paths = [DATA / "single_call.jsonl", str(DATA / "folder"), DATA / "invoice_call.txt"]
    ids = [result.id for result in iter_transcripts(paths)]
    assert ids == ["7", "a_call", "b_call", "c_calls:1", "c_calls:2", "invoice_call"]


def test_a_missing_path_is_yielded_as_an_error_in_its_place(tmp_path):
    missing = tmp_path / "weg"
    paths = [DATA / "invoice_call.txt", missing, DATA / "moving_call.json"]
    results = list(iter_transcripts(paths))
    assert [type(result) for result in results] == [Transcript, TranscriptError, Transcript]
    assert str(results[1]) == f"{missing}: no such file or directory"


def test_an_unsupported_file_given_explicitly_is_yielded_as_an_error():
    (result,) = iter_transcripts(DATA / "folder" / "export.xlsx")
    assert isinstance(result, TranscriptError)
    assert ", ".join(SUPPORTED_SUFFIXES) in str(result)


def test_hidden_files_and_folders_are_skipped_in_a_walk(tmp_path):
    (tmp_path / "gesprek.txt").write_text("Klant: Hallo.", "utf-8")
    (tmp_path / "._gesprek.txt").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "gesprek.txt").write_text("Klant: Hallo.", "utf-8")
    assert [result.id for result in iter_transcripts(tmp_path)] == ["gesprek"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_symlink_loop_is_not_followed(tmp_path):
    (tmp_path / "gesprek.txt").write_text("Klant: Hallo.", "utf-8")
    (tmp_path / "lus").symlink_to(tmp_path, target_is_directory=True)
    assert [result.id for result in iter_transcripts(tmp_path)] == ["gesprek"]


def test_files_are_read_one_at_a_time(tmp_path):
    (tmp_path / "a.txt").write_text("Klant: Hallo.", "utf-8")
    (tmp_path / "b.txt").write_text("Agent: Goedemorgen.", "utf-8")
    results = iter_transcripts(tmp_path)
    assert next(results).id == "a"
    (tmp_path / "b.txt").write_text("Agent: Goedemiddag.", "utf-8")  # not read yet
    assert texts(next(results)) == ["Goedemiddag."]


def test_invalid_aliases_are_rejected_before_iterating():
    with pytest.raises(ValueError, match="must be 'agent' or 'customer'"):
        iter_transcripts(DATA, aliases={"teamleider": "manager"})


@pytest.mark.parametrize(
    "clone", [lambda t: pickle.loads(pickle.dumps(t)), copy.deepcopy, copy.copy]
)
def test_a_transcript_pickles_and_copies_with_its_metadata_read_only(clone):
    """For a process pool or a Dask cluster of the user's own: the read-only metadata view
    used to make pickling fail ("cannot pickle 'mappingproxy' object")."""
    call = parse_text(
        "Klant: Onze hond is aangereden.\nAgent: Wat erg! Mag ik uw polisnummer?",
        id="hond",
        meta={"team": "Schade", "tags": ["dier", {"ernst": 2}]},
        source="gesprekken/hond.txt",
    )
    twin = clone(call)
    assert twin == call and twin.meta == call.meta
    assert twin.turns[1].text == "Wat erg! Mag ik uw polisnummer?"
    with pytest.raises(TypeError):
        twin.meta["team"] = "Anders"
