"""The packaged classifier: verified before loading, refused when tampered with or mismatched."""

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from empathy_score import ModelError
from empathy_score.features import FEATURE_SCHEMA, call_record, rule_features
from empathy_score.linear import expit, read_archive, write_archive
from empathy_score.model import PACKAGED_SHA256, load_model, sha256_of
from empathy_score.training import reliability_table

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
    for suffix in (".npz", ".json"):
        shutil.copy(source.with_suffix(suffix), tmp_path / f"m{suffix}")
    return tmp_path / "m.npz"


def packaged_path():
    from empathy_score.model import DEFAULT_MODEL, _packaged

    return _packaged(DEFAULT_MODEL)


def test_the_packaged_model_loads_with_its_manifest(packaged):
    assert packaged.manifest["name"] == "straight_to_data"
    assert packaged.manifest["feature_schema"] == FEATURE_SCHEMA
    assert packaged.manifest["sha256"] == sha256_of(packaged_path())


def test_the_code_knows_the_packaged_model_s_sha256():
    assert sha256_of(packaged_path()) == PACKAGED_SHA256, (
        "models/straight_to_data.npz changed: after `empathy-score train corpora/` set "
        "PACKAGED_SHA256 in empathy_score/model.py to its sha256 (in models/straight_to_data.json)"
    )


def test_the_scorer_uses_the_packaged_model_without_being_asked(scorer):
    verdict = scorer.score(SICK_SON)
    assert verdict.straight_to_data
    assert verdict.straight_to_data_probability is not None
    assert verdict.straight_to_data_probability > 0.5


def test_empathy_first_gets_a_low_probability(scorer):
    verdict = scorer.score(SICK_SON_EMPATHY)
    assert not verdict.straight_to_data
    assert verdict.straight_to_data_probability < 0.5


def test_a_changed_artefact_is_refused(model_copy):
    with open(model_copy, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="does not match the manifest"):
        load_model(model_copy)


def test_a_missing_manifest_is_refused(model_copy):
    model_copy.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match="manifest"):
        load_model(model_copy)


def test_another_scikit_learn_version_no_longer_matters(model_copy):
    """The model is data: the scikit-learn it was trained with is a record, not a condition."""
    manifest_path = model_copy.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    manifest_path.write_text(json.dumps(manifest))
    assert load_model(model_copy).manifest["versions"]["scikit-learn"] == "0.24.2"


def test_another_feature_schema_in_the_model_file_is_refused_with_how_to_retrain(
    model_copy, tmp_path
):
    spec, arrays = read_archive(model_copy.read_bytes())
    spec["feature_schema"] = FEATURE_SCHEMA + 1
    _write_with_manifest(model_copy, spec, arrays)
    with pytest.raises(ModelError, match=r"feature schema 2.*empathy-score train"):
        load_model(model_copy)


def test_a_missing_model_file_names_the_path(tmp_path):
    with pytest.raises(ModelError, match=r"nope\.npz: no model file"):
        load_model(tmp_path / "nope.npz")


def _write_with_manifest(path, spec, arrays):
    """Write a model archive at ``path`` and recompute the SHA-256 in the manifest beside it."""
    data = write_archive(spec, arrays)
    path.write_bytes(data)
    manifest_path = path.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest["sha256"] = hashlib.sha256(data).hexdigest()
    manifest_path.write_text(json.dumps(manifest))


class _CreatesAFile:
    """What a hostile pickle does: its ``__reduce__`` makes unpickling call ``open(path, "w")``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("name", ["m.joblib", "m.npz", "m.pkl"])
def test_a_pickle_named_as_the_model_is_refused_without_being_unpickled(tmp_path, name):
    import pickle

    created = tmp_path / "pwned"
    payload = pickle.dumps(_CreatesAFile(created), protocol=4)
    artefact = tmp_path / name
    artefact.write_bytes(payload)
    artefact.with_suffix(".json").write_text(
        json.dumps({"sha256": hashlib.sha256(payload).hexdigest(), "feature_schema": 1})
    )
    with pytest.raises(
        ModelError, match=r"pickled models are no longer loaded.*empathy-score train"
    ):
        load_model(artefact)
    with pytest.raises(ModelError, match="pickled models are no longer loaded"):
        load_model(artefact, sha256=hashlib.sha256(payload).hexdigest())
    assert not created.exists()


def test_a_joblib_compressed_pickle_is_refused_without_being_unpickled(tmp_path):
    import joblib

    created = tmp_path / "pwned"
    artefact = tmp_path / "model.bin"
    joblib.dump(_CreatesAFile(created), artefact, compress=3)
    artefact.with_suffix(".json").write_text(json.dumps({"sha256": sha256_of(artefact)}))
    with pytest.raises(ModelError, match="pickled models are no longer loaded"):
        load_model(artefact)
    assert not created.exists()


def test_a_file_swapped_after_hashing_is_never_parsed(model_copy, monkeypatch):
    """The bytes that are hashed are the bytes that are parsed: swapping the file on disk
    right after its hash was taken (a second reader would see the new one) changes nothing."""
    import hashlib as real

    spec, arrays = read_archive(model_copy.read_bytes())
    spec["detectors"]["threshold"] = 0.01  # a model that flags everything learned
    other = write_archive(spec, arrays)
    original = real.sha256

    class SwapOnDigest:
        def __init__(self, *args):
            self._hash = original(*args)

        def update(self, data):
            self._hash.update(data)

        def hexdigest(self):
            model_copy.write_bytes(other)  # the attacker's swap, right after the check
            return self._hash.hexdigest()

    monkeypatch.setattr(real, "sha256", SwapOnDigest)
    loaded = load_model(model_copy)
    monkeypatch.undo()
    assert model_copy.read_bytes() == other  # the swap happened
    assert loaded.estimator.detectors_.threshold == 0.8


def test_an_edited_threshold_in_the_manifest_is_refused(model_copy):
    manifest_path = model_copy.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["detector_threshold"] = 0.05
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"manifest says detector_threshold 0\.05.*0\.8"):
        load_model(model_copy)


def test_decision_values_live_in_the_hashed_file(model_copy):
    """Changing the threshold inside the model file changes its SHA-256: refused."""
    spec, arrays = read_archive(model_copy.read_bytes())
    spec["detectors"]["threshold"] = 0.05
    model_copy.write_bytes(write_archive(spec, arrays))
    with pytest.raises(ModelError, match="does not match the manifest"):
        load_model(model_copy)


def test_an_explicit_sha256_must_match(model_copy):
    actual = sha256_of(model_copy)
    assert load_model(model_copy, sha256=actual.upper()).manifest["sha256"] == actual
    with pytest.raises(ModelError, match="not the one asked for"):
        load_model(model_copy, sha256="0" * 64)
    with pytest.raises(ModelError, match="64 hexadecimal digits"):
        load_model(model_copy, sha256="abc")


def test_a_model_saved_and_loaded_again_gives_the_same_probabilities(
    packaged, rules_scorer, tmp_path
):
    from empathy_score import parse_text
    from empathy_score.training import save_model

    transcripts = [parse_text(SICK_SON), parse_text(SICK_SON_EMPATHY)]
    verdicts = rules_scorer.score_many(transcripts)
    records = [call_record(v, t) for v, t in zip(verdicts, transcripts, strict=True)]
    saved = save_model(packaged.estimator, tmp_path, "again", dict(packaged.manifest))
    assert saved.read_bytes() == packaged_path().read_bytes()
    again = load_model(saved)
    assert again.predict_proba(records) == packaged.predict_proba(records)
    assert again.text_proba(records) == packaged.text_proba(records)


def test_scoring_with_the_model_imports_neither_scikit_learn_nor_scipy_special(packaged):
    # scikit-learn is for training only; scipy.special would add a tenth of a second to start-up
    code = (
        "import sys; import empathy_score as es; "
        f"v = es.EmpathyScorer().score({SICK_SON!r}); "
        "assert v.straight_to_data_probability is not None; "
        "print(' '.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] == 'sklearn' or m.startswith('scipy.special'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_our_sigmoid_equals_scipys_to_the_bit():
    from scipy.special import expit as scipy_expit

    values = np.random.default_rng(7).normal(0.0, 12.0, 20_000)
    values = np.concatenate([values, [0.0, -0.0, 36.7, -36.7, 709.9, -709.9, 800.0, -800.0]])
    assert np.array_equal(expit(values), scipy_expit(values))
    assert expit(values.reshape(-1, 4)).shape == (len(values) // 4, 4)


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


def test_an_artefact_s_bytes_depend_on_the_model_alone(packaged, tmp_path, monkeypatch):
    """Zip members carry a time stamp; the archive's must not, or every save had its own SHA-256."""
    import time

    from empathy_score.training import save_model

    first = save_model(packaged.estimator, tmp_path / "one", "m", packaged.manifest).read_bytes()
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # another day
    monkeypatch.setattr(time, "localtime", lambda *_: time.gmtime(2_000_000_000))
    second = save_model(packaged.estimator, tmp_path / "two", "m", packaged.manifest).read_bytes()
    assert first == second
