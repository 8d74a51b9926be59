"""Training is deterministic and writes an artefact, a verifiable manifest and a model card."""

import json

import pytest

from empathy_score.cli import main
from empathy_score.model import load_model, sha256_of


@pytest.fixture(scope="module")
def trained(repo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    assert main(["train", str(repo_root / "corpora"), "--out", str(out), "--name", "m"]) == 0
    return out


def test_train_writes_a_loadable_model_manifest_and_card(trained):
    manifest = json.loads((trained / "m.json").read_text())
    assert manifest["sha256"] == sha256_of(trained / "m.joblib")
    assert set(manifest["metrics"]) == {"dev", "test"}
    assert "scikit-learn" in manifest["versions"]
    assert len(manifest["training_data"]["sha256"]) == 64
    assert "Model card" in (trained / "m.md").read_text()
    assert load_model(trained / "m.joblib").manifest["name"] == "straight_to_data"


def test_training_again_gives_the_same_predictions(repo_root, trained, tmp_path, capsys):
    from empathy_score.corpus import load_corpus
    from empathy_score.features import call_record
    from empathy_score.scorer import EmpathyScorer

    main(["train", str(repo_root / "corpora"), "--out", str(tmp_path), "--name", "again"])
    calls = load_corpus(repo_root / "corpora", ["test"])[:20]
    scorer = EmpathyScorer(model=None)
    records = [
        call_record(v, c.transcript)
        for v, c in zip(scorer.score_many([c.transcript for c in calls]), calls, strict=True)
    ]
    one = load_model(trained / "m.joblib").predict_proba(records)
    two = load_model(tmp_path / "again.joblib").predict_proba(records)
    assert one == two


def test_training_reproduces_the_shipped_artefact_byte_for_byte(repo_root, trained):
    """The shipped model came from this corpus and this code: anyone can check its SHA-256.

    Fails when the patterns, features or corpus change without retraining (run
    ``empathy-score train corpora/``), or when something in training stops being
    deterministic. Pickles differ between library versions, so only same versions compare.
    """
    from empathy_score.model import library_versions

    shipped = json.loads((repo_root / "models" / "straight_to_data.json").read_text())
    installed = library_versions()
    differ = {
        name: (version, installed.get(name))
        for name, version in shipped["versions"].items()
        if installed.get(name) != version
    }
    if differ:
        pytest.skip(f"shipped model was trained with other library versions: {differ}")
    assert sha256_of(trained / "m.joblib") == shipped["sha256"]
