"""What a report holds: the rates of each group, the calls to listen to, and how it is asked.

:class:`ReportContents` is the report's data, and what every renderer reads;
:class:`~empathy_score.report.EmpathyReport` adds the rendering methods on top of it, so that
the renderers need not import the report they render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .statistics import ALPHA, BETTER, NO_DIFFERENCE, TOO_SMALL, WORSE, Rate

__all__ = [
    "BASELINE",
    "MIN_GROUP_SIZE",
    "RATE_NAMES",
    "UNKNOWN",
    "GroupSummary",
    "ReportContents",
    "Snippet",
    "WorstCall",
]

BASELINE = 0.51
"""Share of Dutch customer-service calls without empathy (seed ``004``)."""

MIN_GROUP_SIZE = 30
"""Calls with an opportunity a group needs before its rate is judged against the baseline."""

UNKNOWN = "(unknown)"
"""Group value of a call whose meta (and side file) lacks the grouping field."""

RATE_NAMES = ("empathy_rate", "missing_rate", "empathy_first_rate", "straight_to_data_rate")


@dataclass(frozen=True)
class GroupSummary:
    """The rates of one group of calls (or of all calls: ``key`` is then empty).

    ``difference_pp`` is ``missing_rate`` minus the baseline in percentage points (positive:
    empathy is missing more often than in the baseline); ``p_value`` is the exact two-sided
    binomial test of the missing count against the baseline.
    """

    key: tuple[str, ...]
    calls: int
    errors: int
    opportunity_calls: int
    empathy_rate: Rate
    missing_rate: Rate
    empathy_first_rate: Rate
    straight_to_data_rate: Rate
    baseline: float
    difference_pp: float | None
    p_value: float | None
    too_small: bool

    @property
    def label(self) -> str:
        return " / ".join(self.key) if self.key else "all calls"

    @property
    def judgement(self) -> str:
        """``worse``/``better than baseline``, ``no clear difference``, or too few calls."""
        if self.too_small or self.p_value is None or self.missing_rate.value is None:
            return TOO_SMALL
        if self.p_value >= ALPHA:
            return NO_DIFFERENCE
        return WORSE if self.missing_rate.value > self.baseline else BETTER

    def to_dict(self, by: Sequence[str] = ()) -> dict[str, Any]:
        record: dict[str, Any] = {}
        if self.key:
            record["group"] = dict(zip(by, self.key, strict=True))
        record.update(
            calls=self.calls, errors=self.errors, opportunity_calls=self.opportunity_calls
        )
        for name in RATE_NAMES:
            record[name] = getattr(self, name).to_dict()
        record.update(
            missing_vs_baseline_pp=self.difference_pp,
            p_value=self.p_value,
            too_small=self.too_small,
            judgement=self.judgement,
        )
        return record


@dataclass(frozen=True)
class Snippet:
    """One piece of evidence in a call's opening: a customer's distress, an agent's words.

    ``kind`` is ``"opportunity"``, ``"marker"`` or ``"request"``; ``label`` its category or
    data field; ``text`` the evidence text (masked unless the report shows personal data).
    """

    turn: int
    kind: str
    label: str
    text: str
    start: int = 0

    @property
    def speaker(self) -> str:
        return "customer" if self.kind == "opportunity" else "agent"

    def to_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "kind": self.kind, "label": self.label, "text": self.text}


@dataclass(frozen=True)
class WorstCall:
    """A call to listen to first: flagged straight-to-data, or likely to be."""

    id: str
    source: str | None
    group: tuple[str, ...]
    straight_to_data: bool
    probability: float | None
    first_data_request_turn: int | None
    first_field: str | None
    opening: tuple[Snippet, ...]

    def to_dict(self, by: Sequence[str] = ()) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "group": dict(zip(by, self.group, strict=True)),
            "straight_to_data": self.straight_to_data,
            "straight_to_data_probability": self.probability,
            "first_data_request_turn": self.first_data_request_turn,
            "first_field": self.first_field,
            "opening": [s.to_dict() for s in self.opening],
        }


@dataclass(frozen=True)
class ReportContents:
    """Rates overall and per group, the markers and fields used, and the calls to hear first."""

    baseline: float
    by: tuple[str, ...]
    overall: GroupSummary
    groups: tuple[GroupSummary, ...]
    marker_categories: tuple[tuple[str, int], ...]
    first_fields: tuple[tuple[str, int], ...]
    worst_calls: tuple[WorstCall, ...]
    min_group_size: int = MIN_GROUP_SIZE
    pii_masked: bool = True
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the whole report."""
        return {
            "baseline": self.baseline,
            "by": list(self.by),
            "min_group_size": self.min_group_size,
            "pii_masked": self.pii_masked,
            "overall": self.overall.to_dict(),
            "groups": [g.to_dict(self.by) for g in self.groups],
            "marker_categories": dict(self.marker_categories),
            "first_fields": dict(self.first_fields),
            "worst_calls": [w.to_dict(self.by) for w in self.worst_calls],
            "notes": list(self.notes),
        }
