"""The "straight to policy number" classifier as data: load, verify, apply.

The model is trained by :mod:`empathy_score.training` (scikit-learn, deterministic) over
:func:`empathy_score.features.call_record`: the rule features and TF-IDF of the opening turns'
text, into calibrated logistic regressions blended with the rule verdict.

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
    "load_model",
    "sha256_of",
    "with_probability",
]

DEFAULT_MODEL = "straight_to_data"
MODEL_SUFFIX = ".npz"
#: SHA-256 of the packaged ``models/straight_to_data.npz``: the packaged model loads only if its
#: bytes are these. ``empathy-score train`` into ``models/`` needs this updated (a test says so).
PACKAGED_SHA256 = "76d84b9b54a14cc97972cd19818537c736f696df638c8875e6336c0da3e07052"
#: The model archive's format: what :class:`LinearBlend` writes and reads.
FORMAT = "empathy_score.straight_to_data"
FORMAT_VERSION = 1
#: Suffixes of the pickled models of earlier versions: refused by name, never opened as pickles.
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
#: The record keys the text model's two TF-IDF views read, in order.
TEXT_KEYS = ("customer_text", "agent_text")
_RETRAIN = "retrain it with `empathy-score train corpora/` (deterministic, about a minute)"


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: The blend's inputs, in the order of its weights: two rule features and the text model's logit.
BLEND_FEATURES = ("rule.straight_to_data", "rule.has_request", "text_logit")
#: The text probability is clipped to [CLIP, 1 - CLIP] before its logit is taken.
CLIP = 1e-4


class LinearBlend:
    """A fitted :class:`~empathy_score.training.BlendedModel` as data: saved, loaded, scored.

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
    def export(cls, fitted: Any) -> LinearBlend:
        """The data of a fitted :class:`empathy_score.training.BlendedModel` (its attributes)."""
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


def with_probability(verdict, probability: float):
    """The verdict with the model's probability attached, its decisions untouched.

    The decisions follow the evidence by the annotation guide's definitions, always; the
    probability ranks calls for review (which flagged call to read first, which cleared call
    may hide a miss), and is never a second opinion that overrules what the evidence shows.
    """
    from dataclasses import replace

    return replace(verdict, straight_to_data_probability=probability)
