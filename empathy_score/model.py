"""The "straight to policy number" classifier: train, export, save, verify, load.

The model is fitted with scikit-learn over :func:`empathy_score.features.call_record`: the rule
features (what was found, where, in which order) and TF-IDF of the opening turns' text, into a
logistic regression whose probabilities are calibrated on held-out folds. Training is
deterministic (fixed seeds, sorted data) and the recipe is this module.

What is saved and loaded is not a pickle but the fitted numbers (see :mod:`empathy_score.linear`):
one archive, ``<name>.npz``, holding ``model.json`` (vocabularies, hyper-parameters, thresholds)
and ``.npy`` arrays (weights, idf vectors, intercepts, calibration), read with
``allow_pickle=False``; loading it cannot run code, and scoring needs numpy and scipy, not
scikit-learn. Everything that changes a decision or a probability is in that archive. Its bytes
are read once, hashed, and parsed from the same bytes in memory: the packaged model must match
:data:`PACKAGED_SHA256`, a model at a path the SHA-256 of its manifest (and the one the caller
gives, if any).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ModelError
from .features import FEATURE_SCHEMA

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_SUFFIX",
    "PACKAGED_SHA256",
    "LinearBlend",
    "StraightToDataModel",
    "build_text_estimator",
    "load_model",
    "save_model",
    "sha256_of",
]

DEFAULT_MODEL = "straight_to_data"
SEED = 20261125
MODEL_SUFFIX = ".npz"
#: SHA-256 of the packaged ``models/straight_to_data.npz``: the packaged model loads only if its
#: bytes are these. ``empathy-score train`` into ``models/`` needs this updated (a test says so).
PACKAGED_SHA256 = "b12f2478f481078983d464aa33b6fdc70de909d3060fd846e3b7c311da7c57ef"
#: The model archive's format: what :class:`LinearBlend` writes and reads.
FORMAT = "empathy_score.straight_to_data"
FORMAT_VERSION = 1
#: Suffixes of the pickled models of earlier versions: refused by name, never opened as pickles.
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
#: The record keys the text model's two TF-IDF views read, in order.
TEXT_KEYS = ("customer_text", "agent_text")
_RETRAIN = "retrain it with `empathy-score train corpora/` (deterministic, about a minute)"


def _select(key: str):
    """A column selector for records; :meth:`LinearBlend.export` reads its ``key``."""
    return _Selector(key)


class _Selector:
    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, records: Sequence[Mapping[str, Any]]) -> list[Any]:
        return [r[self.key] for r in records]


def _text_view():
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from .tfidf import CachedTfidfVectorizer

    return FeatureUnion(
        [
            (
                key,
                make_pipeline(
                    FunctionTransformer(_select(key)),
                    CachedTfidfVectorizer(
                        analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True
                    ),
                ),
            )
            for key in TEXT_KEYS
        ]
    )


class BlendedModel:
    """Rules and text, blended: the shipped "combined" model, as fitted with scikit-learn.

    It is fitted, then exported to a :class:`LinearBlend` (its data), which is what is saved,
    loaded and scored with.

    Two views of a call are trained apart and weighed on data that neither saw:

    - the **text** model, a logistic regression on TF-IDF character n-grams of the opening
      turns, calibrated with a sigmoid on held-out folds, is fitted on the train split;
    - the **rules** need no fitting, but the patterns were developed on the train split, so
      their verdicts there look better than they are;
    - a small logistic regression over (rule verdict, rule found a request, logit of the text
      probability) is therefore fitted on the **dev** split, where the rules are honest.

    The test split stays untouched and is only reported.
    """

    def __init__(self, text_c: float = 3.0, seed: int = SEED) -> None:
        self.text_c = text_c
        self.seed = seed

    def _meta_features(self, records):
        import numpy as np

        text = np.clip(self.text_.predict_proba(list(records))[:, 1], 1e-4, 1 - 1e-4)
        rules = [r["rules"] for r in records]
        return np.column_stack(
            [
                [r["rule.straight_to_data"] for r in rules],
                [r["rule.has_request"] for r in rules],
                np.log(text / (1 - text)),
            ]
        )

    def fit(self, records, labels, blend_records, blend_labels, detectors=None):
        """Fit the text model on ``records`` and the blend on ``blend_records`` (dev).

        ``detectors`` (fitted :class:`~empathy_score.detectors.SentenceDetectors`) travel with
        the model: the records were computed from verdicts they augmented.
        """
        from sklearn.linear_model import LogisticRegression

        self.detectors_ = detectors
        self.text_ = build_text_estimator(self.text_c)
        self.text_.fit(list(records), list(labels))
        self.blend_ = LogisticRegression(max_iter=1000, random_state=self.seed)
        self.blend_.fit(self._meta_features(blend_records), list(blend_labels))
        self.classes_ = self.blend_.classes_
        return self

    def predict_proba(self, records):
        return self.blend_.predict_proba(self._meta_features(records))

    def predict(self, records):
        return self.predict_proba(records)[:, 1] >= 0.5


def build_text_estimator(c: float = 3.0):
    """The unfitted text view: opening turns' TF-IDF into a calibrated logistic regression.

    It is the "classifier only" system of ``evaluate``; the shipped combined model is
    :class:`BlendedModel`, which holds one.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    regression = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    # ensemble=False: one regression on all the data, calibrated on out-of-fold predictions;
    # five calibrated copies would vectorise every call's text five times when scoring
    return CalibratedClassifierCV(
        make_pipeline(_text_view(), regression),
        method="sigmoid",
        cv=StratifiedKFold(5, shuffle=True, random_state=SEED),
        ensemble=False,
    )


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """The libraries a model was trained with: a record for its card, never checked on load."""
    import numpy
    import scipy
    import sklearn
    import spacy

    from . import __version__

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "spacy": spacy.__version__,
        "empathy_score": __version__,
    }


#: The blend's inputs, in the order of its weights: two rule features and the text model's logit.
BLEND_FEATURES = ("rule.straight_to_data", "rule.has_request", "text_logit")
#: The text probability is clipped to [CLIP, 1 - CLIP] before its logit is taken.
CLIP = 1e-4


class LinearBlend:
    """The fitted :class:`BlendedModel` as data: what is saved, loaded and scored with.

    ``text_`` (a :class:`~empathy_score.linear.SigmoidCalibrated`), ``blend_`` (a
    :class:`~empathy_score.linear.LinearHead` over :data:`BLEND_FEATURES`) and ``detectors_``
    (:class:`~empathy_score.detectors.SentenceDetectors` whose vectoriser and heads are
    :mod:`empathy_score.linear` objects) give scikit-learn's probabilities to within rounding,
    with numpy and scipy alone.
    """

    def __init__(self, text, blend, detectors=None, *, features=BLEND_FEATURES, clip=CLIP):
        self.text_ = text
        self.blend_ = blend
        self.detectors_ = detectors
        self.features = tuple(features)
        self.clip = clip

    def _meta_features(self, records):
        import numpy as np

        text = np.clip(self.text_.predict_proba(list(records))[:, 1], self.clip, 1 - self.clip)
        logit = np.log(text / (1 - text))
        columns = [
            logit if name == "text_logit" else [r["rules"].get(name, 0.0) for r in records]
            for name in self.features
        ]
        return np.column_stack(columns)

    def predict_proba(self, records):
        return self.blend_.predict_proba(self._meta_features(records))

    @classmethod
    def export(cls, fitted: BlendedModel) -> LinearBlend:
        """The data of a fitted :class:`BlendedModel` (read from its attributes)."""
        from .detectors import SentenceDetectors
        from .linear import LinearHead, SigmoidCalibrated, TfidfUnion, TfidfView

        detectors = None
        if fitted.detectors_ is not None:
            source = fitted.detectors_
            if source.vectorizer_.transformer_weights:
                raise ValueError("cannot export weighted feature unions")
            detectors = SentenceDetectors(c=source.c, threshold=source.threshold)
            detectors.vectorizer_ = TfidfUnion(
                [(None, TfidfView.export(v)) for _, v in source.vectorizer_.transformer_list]
            )
            detectors.heads_ = {t: LinearHead.export(h) for t, h in source.heads_.items()}
        return cls(
            SigmoidCalibrated.export(fitted.text_, TEXT_KEYS),
            LinearHead.export(fitted.blend_),
            detectors,
        )

    def to_archive(self) -> bytes:
        """The archive's bytes (see :func:`empathy_score.linear.write_archive`)."""
        import numpy as np

        from .detectors import TASKS
        from .linear import write_archive

        views, arrays = self.text_.union.to_spec("text.view")
        arrays |= {
            "text.coef": self.text_.head.coef[0],
            "text.intercept": self.text_.head.intercept,
            "text.calibration": np.array([self.text_.a, self.text_.b]),
            "blend.coef": self.blend_.coef[0],
            "blend.intercept": self.blend_.intercept,
        }
        spec: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "feature_schema": FEATURE_SCHEMA,
            "task": "straight_to_data",
            "text": {
                "views": views,
                "coef": "text.coef",
                "intercept": "text.intercept",
                "calibration": {"method": "sigmoid", "a_b": "text.calibration"},
            },
            "blend": {
                "features": list(self.features),
                "clip": self.clip,
                "coef": "blend.coef",
                "intercept": "blend.intercept",
            },
            "detectors": None,
        }
        if self.detectors_ is not None:
            vectorizer, detector_arrays = self.detectors_.vectorizer_.to_spec("detectors.view")
            arrays |= detector_arrays
            heads = [self.detectors_.heads_[t] for t in TASKS]
            arrays["detectors.coef"] = np.vstack([h.coef for h in heads])
            arrays["detectors.intercept"] = np.concatenate([h.intercept for h in heads])
            spec["detectors"] = {
                "tasks": list(TASKS),
                "threshold": self.detectors_.threshold,
                "vectorizer": vectorizer,
                "coef": "detectors.coef",
                "intercept": "detectors.intercept",
            }
        return write_archive(spec, arrays)

    @classmethod
    def from_archive(cls, data: bytes) -> LinearBlend:
        """The model in archive bytes; :class:`~empathy_score.linear.ArchiveError` if malformed."""
        from .detectors import TASKS, SentenceDetectors
        from .linear import ArchiveError, LinearHead, SigmoidCalibrated, TfidfUnion, array
        from .linear import read_archive as read

        spec, arrays = read(data)
        if spec.get("format") != FORMAT or spec.get("format_version") != FORMAT_VERSION:
            raise ArchiveError(
                f"format {spec.get('format')!r} version {spec.get('format_version')!r}, "
                f"expected {FORMAT!r} version {FORMAT_VERSION}"
            )
        if spec.get("feature_schema") != FEATURE_SCHEMA:
            raise ArchiveError(
                f"feature schema {spec.get('feature_schema')!r}, expected {FEATURE_SCHEMA}"
            )
        text, blend = spec.get("text"), spec.get("blend")
        if not isinstance(text, dict) or not isinstance(blend, dict):
            raise ArchiveError("the archive describes no text model or no blend")
        union = TfidfUnion.from_spec(text.get("views"), arrays, "text.views")
        if [key for key, _ in union.views] != list(TEXT_KEYS):
            raise ArchiveError(f"the text views must read {TEXT_KEYS}")
        calibration = text.get("calibration")
        if not isinstance(calibration, dict) or calibration.get("method") != "sigmoid":
            raise ArchiveError("the text model's calibration is not a sigmoid")
        a, b = array(arrays, calibration.get("a_b"), (2,))
        text_model = SigmoidCalibrated(
            union,
            LinearHead(
                array(arrays, text.get("coef"), (union.n_features,)),
                float(array(arrays, text.get("intercept"), (1,))[0]),
            ),
            float(a),
            float(b),
        )
        features = blend.get("features")
        if (
            not isinstance(features, list)
            or features.count("text_logit") != 1
            or not all(isinstance(f, str) for f in features)
        ):
            raise ArchiveError(f"bad blend features {features!r}")
        clip = blend.get("clip")
        if not isinstance(clip, float) or not 0.0 < clip < 0.5:
            raise ArchiveError(f"bad blend clip {clip!r}")
        blend_head = LinearHead(
            array(arrays, blend.get("coef"), (len(features),)),
            float(array(arrays, blend.get("intercept"), (1,))[0]),
        )
        detectors = None
        found = spec.get("detectors")
        if found is not None:
            if not isinstance(found, dict) or found.get("tasks") != list(TASKS):
                raise ArchiveError(f"the detectors must be for the tasks {TASKS}")
            threshold = found.get("threshold")
            if not isinstance(threshold, float) or not 0.0 < threshold < 1.0:
                raise ArchiveError(f"bad detector threshold {threshold!r}")
            vectorizer = TfidfUnion.from_spec(found.get("vectorizer"), arrays, "detectors")
            if any(key is not None for key, _ in vectorizer.views):
                raise ArchiveError("the detectors' views read sentences, not record keys")
            coef = array(arrays, found.get("coef"), (len(TASKS), vectorizer.n_features))
            intercept = array(arrays, found.get("intercept"), (len(TASKS),))
            detectors = SentenceDetectors(threshold=threshold)
            detectors.vectorizer_ = vectorizer
            detectors.heads_ = {
                task: LinearHead(coef[i], float(intercept[i])) for i, task in enumerate(TASKS)
            }
        return cls(text_model, blend_head, detectors, features=features, clip=clip)


@dataclass(frozen=True)
class StraightToDataModel:
    """A loaded, verified classifier and its manifest."""

    estimator: Any
    manifest: Mapping[str, Any]

    def augment(self, items):
        """Verdicts with the learned detectors' evidence added (unchanged without detectors)."""
        detectors = getattr(self.estimator, "detectors_", None)
        if detectors is None:
            return [verdict for _, _, verdict in items]
        return detectors.augment_many(items)

    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        """Calibrated probability of ``straight_to_data`` for each call record."""
        if not records:
            return []
        return [float(p) for p in self.estimator.predict_proba(list(records))[:, 1]]

    def text_proba(self, records: Sequence[Mapping[str, Any]]) -> list[float]:
        """The text view's own calibrated probability (evaluate's "classifier only" system)."""
        if not records:
            return []
        return [float(p) for p in self.estimator.text_.predict_proba(list(records))[:, 1]]


def save_model(
    model: LinearBlend | BlendedModel,
    directory: str | Path,
    name: str,
    manifest: Mapping[str, Any],
) -> Path:
    """Write ``<name>.npz``, its manifest ``<name>.json`` (with its SHA-256) and model card.

    A fitted :class:`BlendedModel` is exported to a :class:`LinearBlend` first. The archive's
    bytes depend on the model alone, so training twice gives the same file.
    """
    if isinstance(model, BlendedModel):
        model = LinearBlend.export(model)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    artefact = directory / f"{name}{MODEL_SUFFIX}"
    data = model.to_archive()
    artefact.write_bytes(data)
    record = dict(manifest)
    record["artefact"] = artefact.name
    record["format"] = f"{FORMAT} {FORMAT_VERSION}"
    record["sha256"] = hashlib.sha256(data).hexdigest()
    (directory / f"{name}.json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    (directory / f"{name}.md").write_text(model_card(record), encoding="utf-8")
    return artefact


def _packaged(name: str) -> Path:
    return Path(str(resources.files("empathy_score.models").joinpath(f"{name}{MODEL_SUFFIX}")))


def _looks_pickled(path: Path, head: bytes) -> bool:
    """A pickle (protocol 2+) or joblib's zlib-compressed pickle, judged by name or first bytes."""
    return path.suffix.lower() in PICKLE_SUFFIXES or head[:1] == b"\x80" or head[:2] in _ZLIB


#: The first two bytes of a zlib stream at each compression level (joblib's ``compress=``).
_ZLIB = frozenset({b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda"})


def load_model(path: str | Path | None = None, *, sha256: str | None = None) -> StraightToDataModel:
    """Load a classifier: the packaged one, or the ``.npz`` at ``path`` (manifest beside it).

    The file's bytes are read once; their SHA-256 must be :data:`PACKAGED_SHA256` for the
    packaged model, and for a model at ``path`` the ``sha256`` of its manifest and, when given,
    the ``sha256`` argument (the hash you vouch for). The model is then parsed from those very
    bytes, so a file swapped meanwhile is never read. A pickled model (``.joblib``) is refused
    without being opened as a pickle. Every refusal is a :class:`ModelError` that says how to
    retrain (``empathy-score train``).
    """
    packaged = path is None
    artefact = _packaged(DEFAULT_MODEL) if packaged else Path(path)
    manifest_path = artefact.with_suffix(".json")
    if sha256 is not None and not (
        isinstance(sha256, str) and len(sha256.strip()) == 64 and _is_hex(sha256.strip())
    ):
        raise ModelError(f"the SHA-256 to check is not 64 hexadecimal digits: {sha256!r}")
    try:
        data = artefact.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"no model file; {_RETRAIN}", path=artefact) from None
    except OSError as err:
        raise ModelError(
            f"unreadable model file ({err.strerror}); {_RETRAIN}", path=artefact
        ) from None
    if _looks_pickled(artefact, data[:2]):
        raise ModelError(
            f"pickled models are no longer loaded (unpickling runs code); {_RETRAIN}, "
            f"which writes a data-only {MODEL_SUFFIX} model",
            path=artefact,
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as err:
        raise ModelError(
            f"missing or unreadable model manifest ({err}); a model is never loaded without "
            f"one; {_RETRAIN}",
            path=manifest_path,
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if packaged and actual != PACKAGED_SHA256:
        raise ModelError(
            f"SHA-256 {actual[:12]}… is not the packaged model's ({PACKAGED_SHA256[:12]}…, "
            "PACKAGED_SHA256 in empathy_score/model.py): the installed file was changed; "
            "reinstall empathy_score, or after retraining into models/ update PACKAGED_SHA256",
            path=artefact,
        )
    if manifest.get("sha256") != actual:
        raise ModelError(
            f"SHA-256 {actual[:12]}… does not match the manifest "
            f"({str(manifest.get('sha256'))[:12]}…): the file was changed or replaced and is not "
            f"loaded; {_RETRAIN}",
            path=artefact,
        )
    if sha256 is not None and sha256.strip().lower() != actual:
        raise ModelError(
            f"SHA-256 {actual[:12]}… is not the one asked for ({sha256.strip()[:12]}…): the "
            "file is not loaded",
            path=artefact,
        )
    from .linear import ArchiveError

    try:
        estimator = LinearBlend.from_archive(data)
    except ArchiveError as err:
        raise ModelError(f"not a usable model: {err}; {_RETRAIN}", path=artefact) from None
    _check_manifest_agrees(manifest, estimator, manifest_path)
    return StraightToDataModel(estimator=estimator, manifest=manifest)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def _check_manifest_agrees(manifest: Mapping[str, Any], model: LinearBlend, path: Path) -> None:
    """Refuse a manifest whose copies of decision values differ from the hashed model's.

    The manifest is not hashed; the values it shows for the reader (the detectors' threshold,
    the feature schema) come from the model file, and an edited copy would mislead.
    """
    threshold = model.detectors_.threshold if model.detectors_ is not None else None
    for key, value in (("detector_threshold", threshold), ("feature_schema", FEATURE_SCHEMA)):
        if key in manifest and manifest[key] != value:
            raise ModelError(
                f"the manifest says {key} {manifest[key]!r}, the model file holds {value!r}: "
                "decisions come from the model file alone, and the manifest was edited; "
                f"{_RETRAIN} to change a value",
                path=path,
            )


def reliability_table(probabilities: Sequence[float], labels: Sequence[bool], bins: int = 5):
    """Calibration check: per probability bin, the mean prediction and the observed rate."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [
            (p, y)
            for p, y in zip(probabilities, labels, strict=True)
            if lo <= p < hi or (b == bins - 1 and p == 1.0)
        ]
        rows.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "calls": len(members),
                "mean_probability": round(sum(p for p, _ in members) / len(members), 3)
                if members
                else None,
                "observed_rate": round(sum(y for _, y in members) / len(members), 3)
                if members
                else None,
            }
        )
    return rows


def _analyse(calls):
    """Rule verdicts and the detectors' field candidates for annotated calls."""
    from .scorer import EmpathyScorer

    scorer = EmpathyScorer(model=None)
    analysed = []
    for start in range(0, len(calls), 64):
        analysed.extend(scorer._rule_pass([c.transcript for c in calls[start : start + 64]]))
    return [fields for _, fields in analysed], [verdict for verdict, _ in analysed]


def train_model(corpus: str | Path):
    """Fit the detectors and the classifier on the corpus; return (model, manifest).

    The model is the fitted :class:`BlendedModel` exported to a :class:`LinearBlend`, and the
    metrics are measured with it: they describe the model as it is saved and loaded.

    Sentence detectors (see :mod:`empathy_score.detectors`) and the text view learn on the
    train split, the blend on dev (see :class:`BlendedModel`). Deterministic: calls are
    sorted by id, folds and solvers seeded. The manifest records the training data's
    fingerprint, library versions and metrics on dev and test; test is reported, never used
    to choose anything.
    """
    from .corpus import corpus_fingerprint, load_corpus
    from .detectors import SentenceDetectors, training_examples
    from .evaluate import evaluate
    from .features import call_record

    calls = sorted(load_corpus(corpus), key=lambda c: c.id)
    fields, rule_verdicts = _analyse(calls)
    labels = [bool(c.gold["straight_to_data"]) for c in calls]
    train = [i for i, c in enumerate(calls) if c.split == "train"]
    dev = [i for i, c in enumerate(calls) if c.split == "dev"]

    detectors = SentenceDetectors().fit(
        training_examples((calls[i].transcript, calls[i].gold) for i in train)
    )
    verdicts = detectors.augment_many(
        [(c.transcript, f, v) for c, f, v in zip(calls, fields, rule_verdicts, strict=True)]
    )
    records = [call_record(v, c.transcript) for v, c in zip(verdicts, calls, strict=True)]
    estimator = BlendedModel().fit(
        [records[i] for i in train],
        [labels[i] for i in train],
        [records[i] for i in dev],
        [labels[i] for i in dev],
        detectors=detectors,
    )
    model = StraightToDataModel(estimator=LinearBlend.export(estimator), manifest={})
    metrics: dict[str, Any] = {}
    for split in ("dev", "test"):
        index = [i for i, c in enumerate(calls) if c.split == split]
        probabilities = model.predict_proba([records[i] for i in index])
        combined = [
            with_probability(verdicts[i], p) for i, p in zip(index, probabilities, strict=True)
        ]
        report = evaluate(
            [calls[i] for i in index],
            {"rules": [rule_verdicts[i] for i in index], "model": combined},
        )
        metrics[split] = {
            "calls": len(index),
            **{
                decision: {name: s["overall"][decision] for name, s in report["systems"].items()}
                for decision in ("straight_to_data", "opportunity", "markers", "data_fields")
            },
            "reliability": reliability_table(probabilities, [labels[i] for i in index]),
        }
    shifted = Path(corpus) / "shifted"
    if (shifted / "calls").is_dir():
        metrics["shifted"] = _shifted_metrics(load_corpus(shifted), model)
    manifest = {
        "name": DEFAULT_MODEL,
        "task": "straight_to_data",
        "feature_schema": FEATURE_SCHEMA,
        "features": {"rules": True, "opening_text": True, "sentence_detectors": True},
        "decision": "evidence",
        "detector_threshold": detectors.threshold,
        "seed": SEED,
        "versions": library_versions(),
        "training_data": {
            "corpus": str(corpus),
            "train_calls": len(train),
            "dev_calls": len(dev),
            "sha256": corpus_fingerprint([calls[i] for i in train + dev]),
        },
        "metrics": metrics,
    }
    return model.estimator, manifest


def _shifted_metrics(calls, model: StraightToDataModel) -> dict[str, Any]:
    """Rules alone against the model on the style-shifted held-out split (reported only).

    That split was written by other writers, in other domains and plainer Dutch, and is
    never trained or tuned on: it tells whether the learned parts carry over to calls that
    do not sound like the training data.
    """
    from .evaluate import evaluate
    from .scorer import EmpathyScorer

    transcripts = [c.transcript for c in calls]
    rules = EmpathyScorer(model=None)
    systems = {
        "rules": list(rules.score_many(transcripts)),
        "model": list(EmpathyScorer(nlp=rules.nlp, model=model).score_many(transcripts)),
    }
    report = evaluate(calls, systems)["systems"]
    keys = ("straight_to_data", "opportunity", "markers", "data_fields")
    return {
        "calls": len(calls),
        **{k: {name: s["overall"][k] for name, s in report.items()} for k in keys},
        "straight_to_data_auc": report["model"]["overall"]["straight_to_data_auc"],
        "opportunity_by_situation": {
            name: s["overall"]["opportunity_by_situation"] for name, s in report.items()
        },
    }


def with_probability(verdict, probability: float):
    """The verdict with the model's probability attached, its decisions untouched.

    The decisions follow the evidence by the annotation guide's definitions, always; the
    probability ranks calls for review (which flagged call to read first, which cleared call
    may hide a miss), and is never a second opinion that overrules what the evidence shows.
    """
    from dataclasses import replace

    return replace(verdict, straight_to_data_probability=probability)


def model_card(manifest: Mapping[str, Any]) -> str:
    """The human-readable model card (``models/<name>.md``), written from the manifest."""

    def row(name: str, m: Mapping[str, Any]) -> str:
        return (
            f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
            f"{m['tp']} | {m['fp']} | {m['fn']} | {m['tn']} |"
        )

    lines = [
        f"# Model card: `{manifest['name']}`",
        "",
        "Flags the **straight to policy number** pattern: the customer voiced a distressing event",
        "or feeling, and the agent asked for data before showing any empathy",
        "(`straight_to_data` in the annotation guide, `corpora/README.md`). Output:",
        "`straight_to_data_probability` per call.",
        "",
        "## How it decides",
        "",
        "1. The rule pipeline finds markers, data requests and opportunities.",
        "2. Learned sentence detectors (TF-IDF n-grams, logistic regression; threshold 0.8) add",
        "   evidence in the opening of the call where the rules found none: a distressing customer",
        "   sentence, an agent sentence of empathy, a field name the rules saw but did not take as",
        "   a request (`empathy_score/detectors.py`); their evidence carries `learned.*` rule ids.",
        "3. A blend of the resulting verdict and a text model (logistic regression on TF-IDF",
        "   character 3–5-grams of the customer's and the agent's opening turns) gives the",
        "   probability (`empathy_score/model.py`). Detectors and text model are fitted on the",
        "   **train** split, the blend on **dev** (the rule patterns were developed on train, so",
        "   only dev shows how far to trust them); **test** is only reported.",
        "4. Every decision (`opportunity`, `empathy_before_data`, `straight_to_data`) follows",
        "   the evidence of steps 1–2 by the annotation guide's definitions, always. The",
        "   probability only **ranks** calls (which flagged call to review first, which cleared",
        "   call may hide a miss); it never flips a decision the evidence contradicts.",
        "",
        "A call with no data request is never flagged. Rebuild with `empathy-score train",
        "corpora/` (deterministic). Format: a zip of JSON and numpy arrays (see Safety).",
        "",
        "## Training data",
        "",
        f"- corpus: `{manifest['training_data']['corpus']}` (our own annotated Dutch calls,",
        "  see `corpora/README.md`)",
        f"- train calls: {manifest['training_data']['train_calls']}, "
        f"dev calls: {manifest['training_data'].get('dev_calls', 0)}",
        f"- training data SHA-256: `{manifest['training_data']['sha256']}`",
        f"- feature schema: {manifest['feature_schema']}; decisions follow the evidence, the",
        "  probability only ranks",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in sorted(manifest["versions"].items())),
        "",
        "## Metrics (`straight_to_data`)",
        "",
    ]
    for split in ("dev", "test"):
        metrics = manifest["metrics"][split]
        note = " (the blend was fitted here: optimistic)" if split == "dev" else " (held out)"
        lines += [
            f"### {split}: {metrics['calls']} calls{note}",
            "",
            "| system | precision | recall | F1 | tp | fp | fn | tn |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [row(name, m) for name, m in metrics["straight_to_data"].items()]
        if "markers" in metrics:
            lines += [
                "",
                "With the sentence detectors, the combined system also finds more of the rest:",
                "",
                "| decision | system | precision | recall | F1 | tp | fp | fn | tn |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for decision in ("opportunity", "markers", "data_fields"):
                for name, m in metrics[decision].items():
                    lines.append(f"| {decision} " + row(name, m))
        lines += [
            "",
            "Reliability (calibration):",
            "",
            "| probability | calls | mean predicted | observed rate |",
            "|---|---|---|---|",
        ]
        for r in metrics["reliability"]:
            lines.append(
                f"| {r['bin']} | {r['calls']} | {r['mean_probability']} | {r['observed_rate']} |"
            )
        lines.append("")
    shifted = manifest["metrics"].get("shifted")
    if shifted:
        lines += [
            f"### style-shifted split: {shifted['calls']} calls (held out, other writers)",
            "",
            "Written by writers who saw only the annotation guide, in other domains (GP,",
            "dentist, pharmacy, school, municipality, housing, energy, telecom, bank, webshop,",
            "garage, transport), plainer and shorter; never trained or tuned on. The learned",
            "parts are kept because they beat the rules alone here:",
            "",
            "| decision | system | precision | recall | F1 | tp | fp | fn | tn |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for decision in ("straight_to_data", "opportunity", "markers", "data_fields"):
            for name, m in shifted[decision].items():
                lines.append(f"| {decision} " + row(name, m))
        lines += [
            "",
            f"Ranking: ROC AUC of the probability for `straight_to_data`: "
            f"{shifted['straight_to_data_auc']}.",
            "",
            "Opportunity sentences per distress situation (model; recall over gold sentences):",
            "",
            "| situation | gold sentences | recall | precision |",
            "|---|---|---|---|",
        ]
        for name, m in shifted["opportunity_by_situation"]["model"].items():
            lines.append(
                f"| {name} | {m['tp'] + m['fn']} | {m['recall']:.3f} | {m['precision']:.3f} |"
            )
        lines.append("")
    lines += [
        "## Limits",
        "",
        "- Trained on calls we wrote ourselves (about 440, 16 domains, a third speech-recogniser",
        "  style): real calls by other people differ; expect lower figures there.",
        "- It judges text only: no voice, no emotion recognition of people. A QA aid for coaching,",
        "  not a basis for decisions about individual employees on its own.",
        "- A missed opportunity removes a call from the denominator of the empathy rate; the",
        "  per-situation recall above says where that happens most (see the README).",
        "",
        "## Safety",
        "",
        f"The artefact is data, not code: `{manifest.get('artefact', '<name>.npz')}`, a zip of",
        "`model.json` (vocabularies, n-gram settings, the detectors' threshold) and `.npy`",
        "arrays (weights, idf vectors, intercepts, sigmoid calibration), read with",
        "`allow_pickle=False`; no pickle is ever loaded. Scoring needs numpy and scipy, not",
        "scikit-learn. `load_model` reads the file once, checks the SHA-256 of those bytes",
        "(the packaged model against `PACKAGED_SHA256` in `empathy_score/model.py`, another",
        "against `sha256` in its manifest and, if given, `--model-sha256`), then parses the",
        "same bytes. Every value that changes a decision or a probability is in the hashed",
        "file; a manifest whose copy of one differs is refused.",
        f"Artefact SHA-256: `{manifest.get('sha256', '(written on save)')}`.",
        "Training again on the same corpus with the library versions above gives the same",
        "file, byte for byte (a CPU's BLAS kernel may change the last bits of a weight, never",
        "a verdict), so anyone can check that this model came from this corpus and this code.",
        "",
    ]
    return "\n".join(lines)
