"""Import cost: pytest loads our plugin in every run of every project that installs us, and
verdicts, reports and tables are read far from any pipeline: keep them light."""

import subprocess
import sys

import pytest

import empathy_score
import empathy_score.testing


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "statement",
    ["import empathy_score", "import empathy_score.testing.plugin", "import empathy_score.testing"],
)
def test_importing_the_package_or_the_plugin_loads_neither_spacy_nor_scikit_learn(statement):
    loaded = _modules_after(statement)
    assert "empathy_score" in loaded
    assert not {"spacy", "sklearn", "scipy"} & loaded


def test_the_public_names_load_on_first_use():
    loaded = _modules_after("import empathy_score as es; es.EmpathyScorer")
    assert "spacy" in loaded
    for name in empathy_score.__all__:
        assert getattr(empathy_score, name) is not None
        assert name in dir(empathy_score)
    for name in empathy_score.testing.__all__:
        assert getattr(empathy_score.testing, name) is not None
        assert name in dir(empathy_score.testing)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'EmpathyScore'"):
        empathy_score.EmpathyScore  # noqa: B018
    with pytest.raises(AttributeError, match="assert_empathy"):
        empathy_score.testing.assert_empathy  # noqa: B018


def test_the_command_line_is_read_without_numpy_spacy_or_the_scorer():
    """``empathy-score --version`` and ``--help`` answer at once: each command imports what
    it needs when it runs."""
    loaded = _modules_after("from empathy_score.cli import build_parser; build_parser()")
    assert "empathy_score.cli" in loaded
    assert not {"numpy", "spacy", "sklearn", "scipy", "empathy_score.scorer"} & loaded


@pytest.mark.parametrize(
    "module", ["empathy_score.verdict", "empathy_score.report", "empathy_score.table"]
)
def test_verdicts_reports_and_tables_load_no_spacy(module):
    """A verdict is a plain value: reading, reporting on or tabulating verdicts (and
    ``empathy-score --version``) must not wait for spaCy."""
    loaded = _modules_after(f"import {module}")
    assert module in loaded
    assert "spacy" not in loaded
