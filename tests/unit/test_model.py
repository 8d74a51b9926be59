"""The packaged classifier: verified before loading, refused when tampered with or mismatched."""

import json
import shutil

import pytest

from empathy_score import ModelError
from empathy_score.features import FEATURE_SCHEMA, call_record, rule_features
from empathy_score.model import load_model, reliability_table, sha256_of

SICK_SON = (
    "Klant: Ik heb mijn zoontje ziek van school gehaald en hij heeft overgegeven in de auto.\n"
    "Agent: Wat is het kenteken van de leaseauto?"
)
SICK_SON_EMPATHY = (
    "Klant: Ik heb mijn zoontje ziek van school gehaald en hij heeft overgegeven in de auto.\n"
    "Agent: Och, wat naar voor hem. Hoe gaat het nu met uw zoontje? "
    "Dan heb ik zo het kenteken van u nodig."
)


@pytest.fixture(scope="module")
def packaged():
    return load_model()


@pytest.fixture()
def model_copy(tmp_path, packaged):
    """A copy of the packaged artefact and its manifest, to tamper with."""
    source = packaged_path()
    for suffix in (".joblib", ".json"):
        shutil.copy(source.with_suffix(suffix), tmp_path / f"m{suffix}")
    return tmp_path / "m.joblib"


def packaged_path():
    from empathy_score.model import DEFAULT_MODEL, _packaged

    return _packaged(DEFAULT_MODEL)


def test_the_packaged_model_loads_with_its_manifest(packaged):
    assert packaged.manifest["name"] == "straight_to_data"
    assert packaged.manifest["feature_schema"] == FEATURE_SCHEMA
    assert packaged.manifest["sha256"] == sha256_of(packaged_path())


def test_the_scorer_uses_the_packaged_model_without_being_asked(scorer):
    verdict = scorer.score(SICK_SON)
    assert verdict.straight_to_data
    assert verdict.straight_to_data_probability is not None
    assert verdict.straight_to_data_probability > 0.5


def test_empathy_first_gets_a_low_probability(scorer):
    verdict = scorer.score(SICK_SON_EMPATHY)
    assert not verdict.straight_to_data
    assert verdict.straight_to_data_probability < 0.5


def test_a_changed_artefact_is_refused_before_unpickling(model_copy):
    with open(model_copy, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="does not match the manifest"):
        load_model(model_copy)


def test_a_missing_manifest_is_refused(model_copy):
    model_copy.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match="manifest"):
        load_model(model_copy)


def test_another_scikit_learn_version_is_refused_with_how_to_retrain(model_copy):
    manifest_path = model_copy.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2.*empathy-score train"):
        load_model(model_copy)


def test_a_missing_model_file_names_the_path(tmp_path):
    with pytest.raises(ModelError, match=r"nope\.joblib"):
        load_model(tmp_path / "nope.joblib")


def test_rule_features_see_order_and_strength(rules_scorer):
    from empathy_score import parse_text

    transcript = parse_text(SICK_SON)
    verdict = rules_scorer.score_transcript(transcript)
    features = rule_features(verdict, transcript)
    assert features["rule.straight_to_data"] == 1.0
    assert features["opp.illness"] >= 1.0
    assert features["rule.request_in_first_agent_turn"] == 1.0
    assert features["field.license_plate"] == 1.0
    record = call_record(verdict, transcript)
    assert "zoontje" in record["customer_text"]
    assert "kenteken" in record["agent_text"]


def test_reliability_table_bins_predictions():
    rows = reliability_table([0.05, 0.1, 0.9, 0.95, 1.0], [False, True, True, True, True], bins=2)
    assert rows[0] == {
        "bin": "0.0-0.5",
        "calls": 2,
        "mean_probability": 0.075,
        "observed_rate": 0.5,
    }
    assert rows[1]["calls"] == 3
    assert rows[1]["observed_rate"] == 1.0


def test_an_artefact_s_bytes_depend_on_values_not_on_which_strings_are_one_object():
    """Pickle writes a string it has seen (by identity) as a reference and an equal copy in
    full: the same estimator, built after different work in the process, pickled apart."""
    import pickle

    from sklearn.model_selection import StratifiedKFold

    from empathy_score.model import _intern_strings

    def built(shared: bool):
        folds = StratifiedKFold(5, shuffle=True, random_state=7)
        name = "random_state" if shared else "".join(["random", "_state"])  # a copy
        folds.__dict__ = {(name if k == "random_state" else k): v for k, v in vars(folds).items()}
        return {"cv": folds, "params": {"random_state": 7}, "steps": [("tfidf", ("wat", "erg"))]}

    one, other = built(shared=True), built(shared=False)
    assert pickle.dumps(one) != pickle.dumps(other)  # what went wrong before
    _intern_strings(one)
    _intern_strings(other)
    assert pickle.dumps(one) == pickle.dumps(other)
    assert vars(other["cv"])["random_state"] == 7  # values untouched
