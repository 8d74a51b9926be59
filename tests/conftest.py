"""Shared fixtures: the pipeline and scorers load once per test session (about a second each)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from empathy_score.lemma_dictionary import CACHE_ENV

REPO = Path(__file__).resolve().parent.parent
_OWN_CACHE: list[str] = []


def pytest_configure(config):
    """Keep the run's dictionary cache (empathy_score/lemma_dictionary.py) out of the user's
    home; every process the tests start shares it through the environment."""
    if CACHE_ENV not in os.environ:
        _OWN_CACHE.append(tempfile.mkdtemp(prefix="empathy-score-tests-"))
        os.environ[CACHE_ENV] = _OWN_CACHE[0]


def pytest_unconfigure(config):
    for folder in _OWN_CACHE:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def nlp():
    import empathy_score as es

    return es.load_nlp()


@pytest.fixture(scope="session")
def rules_scorer(nlp):
    """A scorer with the rules alone (no classifier)."""
    import empathy_score as es

    return es.EmpathyScorer(nlp=nlp, model=None)


@pytest.fixture(scope="session")
def scorer(nlp):
    """The full scorer: rules and the packaged classifier."""
    import empathy_score as es

    return es.EmpathyScorer(nlp=nlp)


@pytest.fixture(scope="session")
def record_keys() -> list[str]:
    """The keys of a verdict record (``CallVerdict.to_dict``), in the order they are written."""
    return [
        "id",
        "source",
        "status",
        "error",
        "opportunity",
        "empathy_shown",
        "empathy_before_data",
        "straight_to_data",
        "straight_to_data_probability",
        "first_data_request_turn",
        "data_fields",
        "markers",
        "data_requests",
        "opportunities",
        "meta",
    ]
