"""Training the "straight to policy number" classifier: the recipe, its report and its card.

The model is fitted with scikit-learn over :func:`empathy_score.features.call_record`: the rule
features (what was found, where, in which order) and TF-IDF of the opening turns' text, into a
logistic regression whose probabilities are calibrated on held-out folds (:class:`BlendedModel`).
Training is deterministic (fixed seeds, sorted data) and the recipe is this module. What is
saved is the fitted numbers, not the estimator (:meth:`empathy_score.model.LinearBlend.export`),
so loading and scoring (:mod:`empathy_score.model`) need neither scikit-learn nor this module.

This is the top of the model's layers: it scores the corpus with the rules
(:class:`~empathy_score.scorer.EmpathyScorer`) and measures with :mod:`empathy_score.evaluate`.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .evaluate import evaluate
from .features import FEATURE_SCHEMA
from .model import (
    DEFAULT_MODEL,
    FORMAT,
    FORMAT_VERSION,
    MODEL_SUFFIX,
    TEXT_KEYS,
    LinearBlend,
    StraightToDataModel,
    with_probability,
)
from .scorer import EmpathyScorer

__all__ = [
    "BlendedModel",
    "build_text_estimator",
    "model_card",
    "reliability_table",
    "save_model",
    "train_model",
]


SEED = 20261125


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

    scorer = EmpathyScorer(model=None)
    analysed = []
    for start in range(0, len(calls), 64):
        analysed.extend(scorer.rule_pass([c.transcript for c in calls[start : start + 64]]))
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
            "garage, transport, childcare, travel, …), plainer and shorter, half of them",
            "messier, as transcribed calls are (rambling, understated, non-native callers);",
            "never trained or tuned on (corpora/README.md). The learned parts are kept because",
            "they beat the rules alone here:",
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
