"""Training is deterministic and writes an artefact, a verifiable manifest and a model card."""

import json

from empathy_score.cli import main
from empathy_score.model import load_model, sha256_of


def test_train_writes_a_loadable_model_and_card(repo_root, tmp_path, capsys):
    code = main(["train", str(repo_root / "corpora"), "--out", str(tmp_path), "--name", "m"])
    assert code == 0
    manifest = json.loads((tmp_path / "m.json").read_text())
    assert manifest["sha256"] == sha256_of(tmp_path / "m.joblib")
    assert set(manifest["metrics"]) == {"dev", "test"}
    assert "scikit-learn" in manifest["versions"]
    assert "Model card" in (tmp_path / "m.md").read_text()
    assert load_model(tmp_path / "m.joblib").manifest["name"] == "straight_to_data"


def test_training_twice_gives_the_same_predictions(repo_root, tmp_path, capsys):
    from empathy_score.corpus import load_corpus
    from empathy_score.features import call_record
    from empathy_score.scorer import EmpathyScorer

    for name in ("one", "two"):
        main(["train", str(repo_root / "corpora"), "--out", str(tmp_path), "--name", name])
    calls = load_corpus(repo_root / "corpora", ["test"])[:20]
    scorer = EmpathyScorer(model=None)
    records = [
        call_record(v, c.transcript)
        for v, c in zip(scorer.score_many([c.transcript for c in calls]), calls, strict=True)
    ]
    one = load_model(tmp_path / "one.joblib").predict_proba(records)
    two = load_model(tmp_path / "two.joblib").predict_proba(records)
    assert one == two
