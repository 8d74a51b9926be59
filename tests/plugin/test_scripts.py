"""Scripts on disk (.txt, .json, .yaml), their expect blocks, and the folder helper."""

import sys
from pathlib import Path

import pytest

from empathy_score import TranscriptError
from empathy_score.testing import assert_script, empathy_scripts, load_script

SCRIPTS = Path(__file__).parent / "data" / "scripts"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- reading one script ----------------------------------------------------------------------


def test_yaml_turns_keep_their_file_lines_and_expectations():
    script = load_script(SCRIPTS / "schade" / "leaseauto.yml")
    assert [(t.speaker, t.line) for t in script.turns] == [("customer", 5), ("agent", 7)]
    assert script.meta["expect"] == {"straight_to_data": True}
    assert script.id == "leaseauto"


def test_yaml_script_block_counts_lines_in_the_file():
    script = load_script(SCRIPTS / "inbraak.yaml")
    assert script.id == "inbraak"
    assert [t.line for t in script.turns] == [8, 9, 10]
    assert script.meta["team"] == "wonen"
    assert script.meta["expect"] == {"empathy_before_data": True, "data_requests": ["address"]}


def test_json_expectations_are_read():
    script = load_script(SCRIPTS / "overlijden.json")
    assert script.meta["expect"]["markers"] == ["acknowledge_feelings", "wish_well"]


def test_txt_script_has_no_expectations():
    assert "expect" not in load_script(SCRIPTS / "schade" / "hond_aangereden.txt").meta


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        (
            "typo.yaml",
            "expected: {markers: [wish_well]}\nscript: 'Agent: Sterkte.'\n",
            ":1: unknown key 'expected'",
        ),
        ("both.yaml", "script: 'Agent: Sterkte.'\nturns: []\n", 'give either "turns"'),
        ("broken.yaml", "script: |\n  Agent: Sterkte.\n turns: [\n", ":3: invalid YAML"),
        ("list.yaml", "- Agent: Sterkte.\n", ':1: expected a mapping with "turns" or "script"'),
        (
            "category.yaml",
            "expect: {markers: [sympathy]}\nscript: 'Agent: Sterkte.'\n",
            ":1: \"expect.markers\": unknown name 'sympathy'",
        ),
        (
            "flag.yaml",
            "expect: {straight_to_data: nee}\nscript: 'Agent: Sterkte.'\n",
            ':1: "expect.straight_to_data" must be true or false',
        ),
        (
            "label.yaml",
            "script: |\n  Klant: Hallo.\n  Agnet: Sterkte.\n",
            ":3: unknown speaker label 'Agnet'",
        ),
        (
            "speaker.yaml",
            "turns:\n  - {speaker: Bot, text: Sterkte.}\n",
            "turns[0]: unknown speaker 'Bot'",
        ),
        (
            "key.json",
            '{"expect": {"marker": "wish_well"}, "turns": [{"speaker": "agent", "text": "Ja."}]}',
            "unknown key 'marker' in \"expect\"",
        ),
    ],
)
def test_a_malformed_script_names_file_and_line(tmp_path, name, text, error):
    path = write(tmp_path, name, text)
    with pytest.raises(TranscriptError) as failure:
        load_script(path)
    assert str(failure.value).startswith(str(path))
    assert error in str(failure.value)


def test_yaml_without_pyyaml_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = write(tmp_path, "a.yaml", "script: 'Agent: Sterkte.'\n")
    with pytest.raises(TranscriptError, match=r"needs PyYAML: pip install 'empathy_score\[yaml\]'"):
        load_script(path)


# --- expectations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["schade/hond_aangereden.txt", "overlijden.json", "inbraak.yaml", "schade/leaseauto.yml"],
)
def test_library_scripts_meet_their_expectations(name):
    assert_script(SCRIPTS / name)


def test_without_expectations_a_script_must_not_go_straight_to_data(tmp_path):
    path = write(
        tmp_path, "kaal.txt", "Klant: Mijn hond is aangereden.\nAgent: Mag ik uw polisnummer?\n"
    )
    with pytest.raises(AssertionError) as failure:
        assert_script(path)
    assert str(failure.value).startswith(f"{path}:2: turn 1 (agent) asks for policy_number")


def test_every_failed_expectation_is_reported_on_its_own_line(tmp_path):
    path = write(
        tmp_path,
        "twee.yaml",
        "expect: {markers: wish_well, data_requests: [license_plate]}\n"
        "script: |\n  Agent: Wat vervelend voor u. Mag ik uw polisnummer?\n",
    )
    with pytest.raises(AssertionError) as failure:
        assert_script(path)
    lines = str(failure.value).splitlines()
    assert len(lines) == 2
    assert "has no wish_well marker" in lines[0]
    assert "does not ask for license_plate" in lines[1]


def test_a_bad_example_that_turns_good_fails(tmp_path):
    path = write(
        tmp_path,
        "voorbeeld.yaml",
        "expect: {straight_to_data: true}\n"
        "script: |\n  Klant: Mijn hond is aangereden.\n"
        "  Agent: Wat schrikken! Mag ik uw polisnummer?\n",
    )
    with pytest.raises(AssertionError, match="expected straight_to_data: true; Empathy first"):
        assert_script(path)


# --- the folder helper -----------------------------------------------------------------------


def test_folder_gives_one_param_per_script_with_its_path_as_id():
    params = empathy_scripts(SCRIPTS)
    assert [p.id for p in params] == [
        "inbraak.yaml",
        "overlijden.json",
        "schade/hond_aangereden.txt",
        "schade/leaseauto.yml",
    ]
    assert params[1].values[0].id == "overlijden"


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(TranscriptError, match="no such folder"):
        empathy_scripts(tmp_path / "scripts")


def test_folder_without_scripts_is_an_error(tmp_path):
    write(tmp_path, "notes.md", "# nog leeg\n")
    with pytest.raises(TranscriptError, match=r"no scripts in this folder \(looked for .txt"):
        empathy_scripts(tmp_path)


def test_every_unreadable_script_is_listed(tmp_path):
    write(tmp_path, "goed.txt", "Agent: Heel veel sterkte.\n")
    bad = write(tmp_path, "a/fout.txt", "Agnet: Heel veel sterkte.\n")
    empty = write(tmp_path, "leeg.json", "")
    with pytest.raises(TranscriptError) as failure:
        empathy_scripts(tmp_path)
    text = str(failure.value)
    assert text.startswith(f"{tmp_path}: 2 of 3 scripts cannot be read:")
    assert f"{bad}:1: unknown speaker label 'Agnet'" in text
    assert f"{empty}: empty file" in text


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    pytest.importorskip("yaml")
    levels = ["  a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    for name, prev in zip("bcdefgh", "abcdefg", strict=True):
        levels.append(f"  {name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bom.yaml"
    bomb.write_text(
        "id: bom\nmeta:\n"
        + "\n".join(levels)
        + "\nscript: |\n  Klant: Mijn hond is aangereden.\n  Agent: Wat vervelend.\n",
        encoding="utf-8",
    )
    assert len(bomb.read_bytes()) < 600
    with pytest.raises(TranscriptError, match=r"bom.yaml:4: invalid YAML: aliases \(\*a\) are not"):
        load_script(bomb)  # refused before any alias is expanded (it was 53 s and 4.8 GB)


def test_a_yaml_script_larger_than_any_script_is_refused(tmp_path):
    pytest.importorskip("yaml")
    big = tmp_path / "groot.yaml"
    big.write_text("script: |\n" + "  Klant: hallo\n" * 20_000, encoding="utf-8")
    with pytest.raises(TranscriptError, match="a script may have at most 200000"):
        load_script(big)
