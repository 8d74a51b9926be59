"""Measure verdicts against gold labels: precision, recall and F1 per decision.

Markers are matched on (call, turn, category), data fields on (call, field); the three call
decisions (``straight_to_data``, ``opportunity``, ``empathy_before_data``) are scored as
binary classifications with a confusion matrix. Everything is reported overall and per style
(``clean`` text vs ``asr`` speech-recogniser output).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .corpus import GoldCall, iter_gold_markers
from .rules import LABELS
from .verdict import CallVerdict

__all__ = ["DECISIONS", "Counts", "evaluate", "format_report", "situation_of", "situations"]

DECISIONS = ("straight_to_data", "opportunity", "empathy_before_data")


@dataclass
class Counts:
    """True/false positives and negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, gold: bool) -> None:
        if predicted and gold:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1

    def add_sets(self, predicted: set, gold: set) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@functools.cache
def situations() -> Mapping[str, Mapping[str, Any]]:
    """The distress situations of the annotation guide, from ``patterns/situations.json``
    (read once)."""
    import json
    from importlib import resources

    data = resources.files("empathy_score.patterns").joinpath("situations.json")
    found = json.loads(data.read_text(encoding="utf-8"))
    return MappingProxyType({k: v for k, v in found.items() if k[0] != "_"})


@functools.cache
def _situation_by_category() -> Mapping[str, str]:
    return MappingProxyType(
        {c: name for name, situation in situations().items() for c in situation["categories"]}
    )


def situation_of(category: str) -> str:
    """The situation an opportunity category belongs to (``"other"`` for none)."""
    return _situation_by_category().get(category, "other")


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _by_situation(pairs: Sequence[tuple[GoldCall, CallVerdict]]) -> dict[str, Any]:
    """Opportunity sentences found, per situation of the guide.

    Recall: a gold opportunity (with its ``situation``) counts as found when a detected one
    overlaps it in the same turn. Precision: a detected opportunity, put in the situation of
    its category, is right when it overlaps any gold opportunity in its turn.
    """
    found: dict[str, Counts] = {}
    for call, verdict in pairs:
        gold = []
        for item in call.gold.get("opportunities", []):
            start = call.transcript.turns[item["turn"]].text.find(item["text"])
            gold.append((item["turn"], (start, start + len(item["text"])), item.get("situation")))
        detected = [
            (o.turn, (o.start, o.end), situation_of(o.label)) for o in verdict.opportunities
        ]
        for turn, span, situation in gold:
            hit = any(t == turn and _overlap(span, s) for t, s, _ in detected)
            found.setdefault(situation or "unlabelled", Counts()).add(hit, True)
        for turn, span, situation in detected:
            right = any(t == turn and _overlap(span, s) for t, s, _ in gold)
            counts = found.setdefault(situation, Counts())
            if not right:
                counts.fp += 1
    return {name: found[name].to_dict() for name in sorted(found)}


def _auc(pairs: Sequence[tuple[GoldCall, CallVerdict]]) -> float | None:
    """ROC AUC of ``straight_to_data_probability`` against gold (None without both classes)."""
    scored = [(v.straight_to_data_probability, bool(c.gold["straight_to_data"])) for c, v in pairs]
    if any(p is None for p, _ in scored) or len({y for _, y in scored}) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score([y for _, y in scored], [p for p, _ in scored])), 4)


def _score(pairs: Sequence[tuple[GoldCall, CallVerdict]]) -> dict[str, Any]:
    decisions = {name: Counts() for name in DECISIONS}
    markers = {cat: Counts() for cat in sorted(LABELS["empathy"])}
    markers_all = Counts()
    fields = Counts()
    for call, verdict in pairs:
        gold = call.gold
        for name in DECISIONS:
            decisions[name].add(bool(getattr(verdict, name)), bool(gold[name]))
        gold_markers = set(iter_gold_markers(gold))
        predicted = {(m.turn, m.label) for m in verdict.markers}
        markers_all.add_sets(predicted, gold_markers)
        for cat, counts in markers.items():
            counts.add_sets(
                {p for p in predicted if p[1] == cat}, {g for g in gold_markers if g[1] == cat}
            )
        fields.add_sets(set(verdict.data_fields), set(gold.get("data_fields", [])))
    return {
        "calls": len(pairs),
        **{name: c.to_dict() for name, c in decisions.items()},
        "markers": markers_all.to_dict(),
        "markers_by_category": {cat: c.to_dict() for cat, c in markers.items()},
        "data_fields": fields.to_dict(),
        "opportunity_by_situation": _by_situation(pairs),
        "straight_to_data_auc": _auc(pairs),
    }


def evaluate(
    calls: Sequence[GoldCall], systems: Mapping[str, Iterable[CallVerdict]]
) -> dict[str, Any]:
    """Score each system's verdicts (in the order of ``calls``), overall and per style."""
    report: dict[str, Any] = {"calls": len(calls), "systems": {}}
    for name, verdicts in systems.items():
        pairs = list(zip(calls, verdicts, strict=True))
        styles = sorted({c.style for c in calls})
        report["systems"][name] = {
            "overall": _score(pairs),
            "by_style": {s: _score([p for p in pairs if p[0].style == s]) for s in styles},
        }
    return report


def format_report(report: Mapping[str, Any]) -> str:
    """A plain-text table: one row per decision and system, then the same per style."""
    systems = report["systems"]
    rows = [f"{report['calls']} calls"]

    def block(title: str, get) -> None:
        rows.append("")
        rows.append(title)
        header = f"  {'decision':<28}" + "".join(f"{name:>22}" for name in systems)
        rows.append(header)
        rows.append(f"  {'':<28}" + "".join(f"{'P     R     F1':>22}" for _ in systems))
        keys = [*DECISIONS, "markers"]
        keys += [f"markers:{c}" for c in sorted(LABELS["empathy"])]
        keys.append("data_fields")
        for key in keys:
            cells = []
            for name in systems:
                part = get(systems[name])
                if part is None:
                    cells.append(f"{'-':>22}")
                    continue
                if key.startswith("markers:"):
                    m = part["markers_by_category"][key.split(":", 1)[1]]
                else:
                    m = part[key]
                cells.append(f"{m['precision']:>10.3f}{m['recall']:>6.3f}{m['f1']:>6.3f}")
            rows.append(f"  {key:<28}" + "".join(cells))

    block("overall", lambda s: s["overall"])
    styles = sorted({st for s in systems.values() for st in s["by_style"]})
    for style in styles:
        block(f"style: {style}", lambda s, style=style: s["by_style"].get(style))
    rows.append("")
    rows.append("opportunity sentences per situation (recall over gold, precision over found)")
    names = sorted({k for s in systems.values() for k in s["overall"]["opportunity_by_situation"]})
    rows.append(f"  {'situation':<28}" + "".join(f"{name:>22}" for name in systems))
    for situation in names:
        cells = []
        for s in systems.values():
            m = s["overall"]["opportunity_by_situation"].get(situation)
            gold = m["tp"] + m["fn"] if m else 0
            cells.append(
                f"{m['precision']:>10.3f}{m['recall']:>6.3f}{gold:>6d}" if m else f"{'-':>22}"
            )
        rows.append(f"  {situation:<28}" + "".join(cells))
    rows.append("  (columns: precision, recall, gold sentences)")
    rows.append("")
    aucs = [
        f"{name} {s['overall']['straight_to_data_auc']:.3f}"
        for name, s in systems.items()
        if s["overall"]["straight_to_data_auc"] is not None
    ]
    if aucs:
        rows.append("straight_to_data_probability ROC AUC: " + ", ".join(aucs))
    rows.append("confusion (straight_to_data): tp fp fn tn")
    for name, s in systems.items():
        c = s["overall"]["straight_to_data"]
        rows.append(f"  {name:<20} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {c['tn']:>4}")
    return "\n".join(rows)


def evaluate_systems(
    calls: Sequence[GoldCall], model_path: str | None = None, *, model_sha256: str | None = None
) -> dict[str, Any]:
    """Rules only, classifier only and combined, side by side, on the given calls.

    "classifier only" is the text view of the combined model (opening turns' text, no rule
    features); "combined" is the shipped model. Without a loadable model only the rules are
    reported, and the report says why. ``model_sha256``, when given, must be the model
    file's SHA-256 (see :func:`empathy_score.model.load_model`).
    """
    from .errors import ModelError
    from .features import call_record
    from .model import load_model
    from .scorer import EmpathyScorer

    transcripts = [c.transcript for c in calls]
    rules_scorer = EmpathyScorer(model=None)
    rules = list(rules_scorer.score_many(transcripts))
    systems: dict[str, list[CallVerdict]] = {"rules": rules}
    note = None
    try:
        model = load_model(model_path, sha256=model_sha256)
    except ModelError as err:
        model, note = None, str(err)
    if model is not None:
        text_view = getattr(model.estimator, "text_", None)
        if text_view is not None:
            records = [call_record(v, c.transcript) for v, c in zip(rules, calls, strict=True)]
            text_p = text_view.predict_proba(records)[:, 1]
            systems["classifier"] = [
                _decided_by_text(v, float(p)) for v, p in zip(rules, text_p, strict=True)
            ]
        combined = EmpathyScorer(nlp=rules_scorer.nlp, model=model)
        systems["combined"] = list(combined.score_many(transcripts))
    report = evaluate(calls, systems)
    if note:
        report["note"] = note
    return report


def _decided_by_text(verdict: CallVerdict, probability: float) -> CallVerdict:
    """The "classifier only" comparison system: the text probability alone decides at 0.5.

    Only for comparing systems in this report; shipped verdicts follow their evidence.
    """
    from dataclasses import replace

    flagged = verdict.first_data_request_turn is not None and probability >= 0.5
    return replace(
        verdict,
        straight_to_data=flagged,
        straight_to_data_probability=probability,
        opportunity=verdict.opportunity or flagged,
        empathy_before_data=verdict.empathy_before_data and not flagged,
    )


def agreement(calls: Sequence[GoldCall], second: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Cohen's kappa between the corpus labels and a second, independent annotation.

    Decisions compared: ``opportunity`` and ``straight_to_data`` per call, and each marker
    category per agent turn (present or not), plus "any marker" per agent turn.
    """
    from sklearn.metrics import cohen_kappa_score

    pairs: dict[str, tuple[list[bool], list[bool]]] = {
        name: ([], []) for name in ("opportunity", "straight_to_data", "empathy_before_data")
    }
    turn_pairs: dict[str, tuple[list[bool], list[bool]]] = {
        name: ([], []) for name in [*sorted(LABELS["empathy"]), "any_marker"]
    }
    compared = [c for c in calls if c.id in second]
    for call in compared:
        other = second[call.id]
        for name, (a, b) in pairs.items():
            a.append(bool(call.gold[name]))
            b.append(bool(other[name]))
        first_markers = set(iter_gold_markers(call.gold))
        second_markers = set(iter_gold_markers(other))
        for index, turn in enumerate(call.transcript.turns):
            if turn.speaker != "agent":
                continue
            for name, (a, b) in turn_pairs.items():
                if name == "any_marker":
                    a.append(any(t == index for t, _ in first_markers))
                    b.append(any(t == index for t, _ in second_markers))
                else:
                    a.append((index, name) in first_markers)
                    b.append((index, name) in second_markers)
    result: dict[str, Any] = {"calls": len(compared)}
    for name, (a, b) in {**pairs, **{f"turn:{k}": v for k, v in turn_pairs.items()}}.items():
        agree = sum(x == y for x, y in zip(a, b, strict=True))
        result[name] = {
            "items": len(a),
            "agreement": round(agree / len(a), 3) if a else None,
            "kappa": round(float(cohen_kappa_score(a, b)), 3)
            if a and len(set(a + b)) > 1
            else None,
        }
    return result
