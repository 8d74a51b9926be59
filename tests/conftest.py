"""Shared fixtures: the pipeline and scorers load once per test session (about a second each)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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
