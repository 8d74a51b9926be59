"""The "straight to policy number" classifier: train, save, verify, load.

The model is a scikit-learn pipeline over :func:`empathy_score.features.call_record`: the rule
features (what was found, where, in which order) and TF-IDF of the opening turns' text, into a
logistic regression whose probabilities are calibrated on held-out folds. Training is
deterministic (fixed seeds, sorted data) and the recipe is this module.

A model file is a pickle, and unpickling runs code: a model is only loaded from the packaged
artefact or a path the user names, and only after its SHA-256 matches the manifest beside it.
A manifest from another scikit-learn version or feature schema is refused with a message saying
how to retrain.
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
    "StraightToDataModel",
    "build_text_estimator",
    "load_model",
    "save_model",
    "sha256_of",
]

DEFAULT_MODEL = "straight_to_data"
SEED = 20261125


def _select(key: str):
    """A picklable column selector for records (module-level so pickles stay importable)."""
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
            for key in ("customer_text", "agent_text")
        ]
    )


class BlendedModel:
    """Rules and text, blended: the shipped "combined" model (a scikit-learn estimator).

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
    import numpy
    import scipy
    import sklearn
    import spacy

    from . import __version__

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,  # the sparse matrices in the pickle are scipy's
        "spacy": spacy.__version__,
        "empathy_score": __version__,
    }


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


def save_model(
    estimator: Any, directory: str | Path, name: str, manifest: Mapping[str, Any]
) -> Path:
    """Write ``<name>.joblib`` and its manifest ``<name>.json`` (with the artefact's SHA-256)."""
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    artefact = directory / f"{name}.joblib"
    _intern_strings(estimator)
    joblib.dump(estimator, artefact, compress=3)
    record = dict(manifest)
    record["artefact"] = artefact.name
    record["sha256"] = sha256_of(artefact)
    (directory / f"{name}.json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    (directory / f"{name}.md").write_text(model_card(record), encoding="utf-8")
    return artefact


def _intern_strings(root: Any) -> None:
    """Make every string in the estimator that equals another the same object, in place.

    Pickle writes a string it has met before (the same object) as a reference and an equal
    but distinct string in full, so its bytes depend on which equal strings happen to be one
    object: after scoring in the same process, sklearn's ``random_state`` parameter name was
    a copy where a fresh process shares it, and the artefact's SHA-256 changed. Interned,
    equal strings are one object, and the bytes depend on the values alone.
    """
    import sys

    import numpy as np

    def canonical(value: Any) -> Any:
        if type(value) is str:
            return sys.intern(value)
        if type(value) is tuple:
            return tuple(canonical(v) for v in value)
        visit(value)
        return value

    seen: set[int] = set()

    def visit(obj: Any) -> None:
        if id(obj) in seen or isinstance(obj, type | np.ndarray | np.generic):
            return
        seen.add(id(obj))
        if type(obj) is dict:
            items = [(canonical(k), canonical(v)) for k, v in obj.items()]
            obj.clear()
            obj.update(items)
        elif type(obj) is list:
            obj[:] = [canonical(v) for v in obj]
        elif hasattr(obj, "__dict__") and not hasattr(obj, "__code__"):  # not functions
            visit(vars(obj))

    visit(root)


def _packaged(name: str) -> Path:
    return Path(str(resources.files("empathy_score.models").joinpath(f"{name}.joblib")))


def load_model(path: str | Path | None = None) -> StraightToDataModel:
    """Load a classifier: the packaged one, or the ``.joblib`` at ``path`` (manifest beside it).

    The SHA-256 in the manifest is checked *before* unpickling; a different scikit-learn
    version or feature schema is refused. Every refusal is a :class:`ModelError` that says how
    to retrain (``empathy-score train``).
    """
    artefact = _packaged(DEFAULT_MODEL) if path is None else Path(path)
    manifest_path = artefact.with_suffix(".json")
    retrain = "retrain it with `empathy-score train corpora/` (deterministic, about a minute)"
    if not artefact.is_file():
        raise ModelError(f"no model file; {retrain}", path=artefact)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(
            f"missing or unreadable model manifest ({err}); a model is never loaded without "
            f"one; {retrain}",
            path=manifest_path,
        ) from None
    actual = sha256_of(artefact)
    if manifest.get("sha256") != actual:
        raise ModelError(
            f"SHA-256 {actual[:12]}… does not match the manifest "
            f"({str(manifest.get('sha256'))[:12]}…): the file was changed or replaced and is not "
            f"loaded; {retrain}",
            path=artefact,
        )
    import sklearn

    trained_with = manifest.get("versions", {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelError(
            f"trained with scikit-learn {trained_with}, but {sklearn.__version__} is installed; "
            f"pickles do not carry across versions: install scikit-learn=={trained_with} or "
            f"{retrain}",
            path=artefact,
        )
    if manifest.get("feature_schema") != FEATURE_SCHEMA:
        raise ModelError(
            f"feature schema {manifest.get('feature_schema')} != {FEATURE_SCHEMA}; {retrain}",
            path=artefact,
        )
    import joblib

    estimator = joblib.load(artefact)
    return StraightToDataModel(estimator=estimator, manifest=manifest)


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
    """Fit the detectors and the classifier on the corpus; return (estimator, manifest).

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
    model = StraightToDataModel(estimator=estimator, manifest={})
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
    return estimator, manifest


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
        "(`straight_to_data` in `ANNOTATION.md`). Output: `straight_to_data_probability` per call.",
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
        "corpora/` (deterministic).",
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
        "The artefact is a pickle. `load_model` checks its SHA-256 against `sha256` in the",
        "manifest **before** unpickling, and refuses another scikit-learn version or feature",
        f"schema. Artefact SHA-256: `{manifest.get('sha256', '(written on save)')}`.",
        "Training again on the same corpus with the library versions above gives the same",
        "verdicts and probabilities (to the last bits a CPU's BLAS kernel may change), so",
        "anyone can check that this model came from this corpus and this code.",
        "",
    ]
    return "\n".join(lines)
