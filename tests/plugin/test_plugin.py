"""The pytest plugin, run the way users run it: through pytest itself, with ``pytester``."""

import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import empathy_score.pipeline

# Here rather than in tests/plugin/conftest.py: pytest refuses pytest_plugins in a conftest
# below the top level when the whole suite is run from the repository root.
pytest_plugins = ["pytester"]

SCRIPTS = Path(__file__).parent / "data" / "scripts"

ISSUE_EXAMPLE = '''
from empathy_score.testing import assert_empathy_before_data, assert_markers

def test_claim_script_acknowledges_first():
    assert_empathy_before_data("""
        Klant: Mijn hond is aangereden, hij ligt bij de dierenarts.
        Agent: Wat schrikken, ik hoop dat hij het goed maakt. Mag ik uw polisnummer?
    """)

def test_condolence_template(empathy_scorer):          # fixture from the plugin
    assert_markers("Gecondoleerd met het verlies van uw vader.", {"acknowledge_feelings"})
'''

STRAIGHT_TO_DATA = '''
from empathy_score.testing import assert_empathy_before_data

def test_claim_script():
    assert_empathy_before_data("""
        Klant: Mijn hond is aangereden, hij ligt bij de dierenarts.
        Agent: Mag ik uw polisnummer?
    """)
'''

MESSAGE = (
    'turn 1 (agent) asks for policy_number ("Mag ik uw polisnummer?") before any empathy; the '
    'customer said "Mijn hond is aangereden" in turn 0. Add e.g. an acknowledgement ("Wat '
    'schrikken…") or a wish ("Ik hoop dat hij het goed maakt") before the request.'
)


def test_installing_the_package_registers_the_plugin():
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found["empathy_score"] == "empathy_score.testing.plugin"


def test_the_example_from_the_issue_passes(pytester):
    pytester.makepyfile(ISSUE_EXAMPLE)
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_failing_script_shows_exactly_the_message(pytester):
    pytester.makepyfile(test_claim=STRAIGHT_TO_DATA)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert f"E       AssertionError: {MESSAGE}" in result.stdout.lines


def test_the_traceback_ends_in_the_test_not_in_the_helpers(pytester):
    pytester.makepyfile(test_claim=STRAIGHT_TO_DATA)
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["test_claim.py:4: AssertionError"])
    assert "empathy_score/testing/assertions.py" not in result.stdout.str()


def test_the_fixture_is_session_scoped(pytester):
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["empathy_scorer [[]session scope[]]*"])


def test_the_pipeline_loads_once_for_fixture_and_helpers(pytester, monkeypatch):
    loads = []
    real = empathy_score.pipeline.load_nlp

    def counting_load_nlp(**kwargs):
        loads.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(empathy_score.pipeline, "load_nlp", counting_load_nlp)
    pytester.makepyfile(
        test_one=ISSUE_EXAMPLE,
        test_two="""
            from empathy_score.testing import assert_no_markers, shared_scorer

            def test_helper_without_fixture():
                assert_no_markers("Excuses voor het wachten.")

            def test_fixture_is_the_helpers_scorer(empathy_scorer):
                assert empathy_scorer is shared_scorer()
        """,
    )
    pytester.runpytest().assert_outcomes(passed=4)
    assert len(loads) == 1


def test_a_folder_of_scripts_is_one_test_per_script(pytester):
    shutil.copytree(SCRIPTS, pytester.path / "scripts")
    (pytester.path / "scripts" / "kaal.txt").write_text(
        "Klant: Mijn hond is aangereden.\nAgent: Mag ik uw polisnummer?\n", encoding="utf-8"
    )
    pytester.makepyfile(
        test_library="""
            from pathlib import Path

            import pytest

            from empathy_score.testing import assert_script, empathy_scripts

            @pytest.mark.parametrize("script", empathy_scripts(Path(__file__).parent / "scripts"))
            def test_script(script):
                assert_script(script)
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "test_library.py::test_script[[]inbraak.yaml[]] PASSED*",
            "test_library.py::test_script[[]kaal.txt[]] FAILED*",
            "test_library.py::test_script[[]overlijden.json[]] PASSED*",
            "test_library.py::test_script[[]schade/hond_aangereden.txt[]] PASSED*",
            "test_library.py::test_script[[]schade/leaseauto.yml[]] PASSED*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["E  *scripts/kaal.txt:2: turn 1 (agent) asks for policy_number (*) before any empathy*"]
    )


# --- options ---------------------------------------------------------------------------------


def test_options_are_in_one_empathy_group(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "empathy_score: testing agent scripts:",
            "*--empathy-patterns=PATH*",
            "*--empathy-alias=LABEL=ROLE*",
        ]
    )


USES_OWN_MARKER = """
    from empathy_score.testing import assert_markers

    def test_own_marker():
        assert_markers("Zet hem op!", "wish_well")
"""


def test_own_patterns_are_added_to_the_packaged_ones(pytester):
    patterns = pytester.mkdir("mijn_patronen")
    (patterns / "empathy.jsonl").write_text(
        '{"label": "wish_well", "id": "eigen.zet_hem_op", "pattern": "zet hem op"}\n',
        encoding="utf-8",
    )
    pytester.makepyfile(USES_OWN_MARKER)
    pytester.runpytest().assert_outcomes(failed=1)
    result = pytester.runpytest("--empathy-patterns", "mijn_patronen")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["empathy_score: extra empathy patterns: *empathy.jsonl"])


def test_own_patterns_can_be_set_in_the_ini_file(pytester):
    patterns = pytester.mkdir("mijn_patronen")
    (patterns / "empathy.jsonl").write_text(
        '{"label": "wish_well", "id": "eigen.zet_hem_op", "pattern": "zet hem op"}\n',
        encoding="utf-8",
    )
    pytester.makeini("[pytest]\nempathy_patterns = mijn_patronen\n")
    pytester.makepyfile(USES_OWN_MARKER)
    pytester.runpytest().assert_outcomes(passed=1)


def test_an_error_in_own_patterns_stops_the_run_once_naming_file_and_line(pytester):
    patterns = pytester.mkdir("mijn_patronen")
    (patterns / "empathy.jsonl").write_text(
        '// mijn markers\n{"label": "sympathy", "id": "eigen.x", "pattern": "zet hem op"}\n',
        encoding="utf-8",
    )
    pytester.makepyfile(ISSUE_EXAMPLE)
    result = pytester.runpytest("--empathy-patterns", "mijn_patronen")
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # before any test runs
    result.stderr.fnmatch_lines(["*mijn_patronen/empathy.jsonl:2: label 'sympathy'*"])


def test_a_token_pattern_spacy_rejects_fails_every_test_without_rebuilding(pytester):
    """What only spaCy can check is found when the pipeline is built: the first test that
    scores gets the error with file and line, the next ones the same error at once."""
    patterns = pytester.mkdir("mijn_patronen")
    (patterns / "empathy.jsonl").write_text(
        '{"label": "wish_well", "id": "eigen.x", "pattern": [{"LOWERR": "sterkte"}]}\n',
        encoding="utf-8",
    )
    pytester.makepyfile(
        """
        import empathy_score.pipeline
        from empathy_score.testing import assert_empathy_before_data

        builds = []
        real = empathy_score.pipeline.load_nlp
        empathy_score.pipeline.load_nlp = lambda **kw: builds.append(1) or real(**kw)

        SCRIPT = "Klant: Mijn hond is overleden.\\nAgent: Wat erg. Wat is uw polisnummer?"

        def test_one():
            assert_empathy_before_data(SCRIPT)

        def test_two():
            assert_empathy_before_data(SCRIPT)

        def test_built_once():
            assert builds == [1]
        """
    )
    result = pytester.runpytest("--empathy-patterns", "mijn_patronen")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["*PatternError: *mijn_patronen/empathy.jsonl:1: invalid token pattern: [[]LOWERR[]]*"]
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("markers.jsonl", "name pattern files after the rule family they extend"),
        ("missing/empathy.jsonl", "no such file or folder"),
    ],
)
def test_a_wrong_patterns_path_is_a_usage_error(pytester, name, error):
    path = pytester.path / name
    if path.parent.exists():
        path.write_text("", encoding="utf-8")
    result = pytester.runpytest("--empathy-patterns", name)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{error}*"])


CHATBOT = '''
    from empathy_score.testing import assert_empathy_before_data

    def test_chatbot_reply():
        assert_empathy_before_data("""
            Klant: Er is ingebroken in mijn auto.
            Bot: Wat naar, dat is schrikken! Mag ik uw kenteken?
        """)
'''


def test_speaker_aliases_from_the_command_line(pytester):
    pytester.makepyfile(CHATBOT)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown speaker label 'Bot'*"])
    pytester.runpytest("--empathy-alias", "Bot=agent").assert_outcomes(passed=1)


def test_speaker_aliases_from_the_ini_file(pytester):
    pytester.makeini("[pytest]\nempathy_aliases =\n    Bot=agent\n")
    pytester.makepyfile(CHATBOT)
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_malformed_alias_is_a_usage_error(pytester):
    result = pytester.runpytest("--empathy-alias", "Bot")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected LABEL=agent or LABEL=customer, e.g. Bot=agent*"])
