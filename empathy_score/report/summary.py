"""From verdicts to an :class:`EmpathyReport`: rates overall and per group, and what to hear.

The rates and their statistics are described once, in :mod:`empathy_score.report`. Groups
with fewer than :data:`MIN_GROUP_SIZE` calls with an opportunity are marked too small
to judge. Evidence texts in a report are masked with :func:`empathy_score.redact.redact`
unless the caller asks for personal data with ``show_pii=True``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..redact import redact
from ..verdict import CallVerdict
from .contents import (
    BASELINE,
    MIN_GROUP_SIZE,
    UNKNOWN,
    GroupSummary,
    ReportContents,
    Snippet,
    WorstCall,
)
from .csv_report import render_csv
from .html import render_html
from .json_report import render_json
from .records import as_verdict, read_meta
from .statistics import Rate, binomial_p_value
from .text import render_text

__all__ = ["FORMATS", "WORST_THRESHOLD", "EmpathyReport", "render", "summarize"]

FORMATS = ("text", "json", "csv", "html")
"""Output formats of :func:`render`."""

WORST_THRESHOLD = 0.5
"""A call not flagged ``straight_to_data`` is still worth a listen from this probability on."""


@dataclass(frozen=True)
class EmpathyReport(ReportContents):
    """Rates overall and per group, the markers and fields used, and the calls to hear first.

    Build one with :func:`summarize`; render it with :meth:`to_text`, :meth:`to_json`,
    :meth:`to_csv` or :meth:`to_html`.
    """

    def to_json(self) -> str:
        return render_json(self)

    def to_text(self) -> str:
        return render_text(self)

    def to_csv(self) -> str:
        return render_csv(self)

    def to_html(self) -> str:
        return render_html(self)


def render(report: EmpathyReport, fmt: str = "text") -> str:
    """The report as ``"text"``, ``"json"``, ``"csv"`` or ``"html"``."""
    renderers = {
        "text": report.to_text,
        "json": report.to_json,
        "csv": report.to_csv,
        "html": report.to_html,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt]()


@dataclass(frozen=True)
class _Call:
    """One verdict as the report sees it: the verdict, its evidence in call order (texts
    masked unless the report shows personal data), and the group it falls in."""

    verdict: CallVerdict
    evidence: tuple[Snippet, ...]
    group: tuple[str, ...] = ()

    @property
    def first_field(self) -> str | None:
        """The field the first data request asks for."""
        return next((s.label for s in self.evidence if s.kind == "request"), None)


def _call(verdict: CallVerdict, show_pii: bool) -> _Call:
    mask = (lambda text: text) if show_pii else redact
    evidence = [
        Snippet(e.turn, kind, e.label, mask(e.text), e.start)
        for kind, items in (
            ("opportunity", verdict.opportunities),
            ("marker", verdict.markers),
            ("request", verdict.data_requests),
        )
        for e in items
    ]
    return _Call(verdict, tuple(sorted(evidence, key=lambda s: (s.turn, s.start))))


def _natural(value: str) -> tuple[Any, ...]:
    """Sort key that puts AG-3 before AG-14 and (unknown) last."""
    parts = tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", value))
    return (value == UNKNOWN, tuple((isinstance(p, str), p) for p in parts))


def _group_value(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return str(value).lower()
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.strip() or UNKNOWN


def _summary(
    key: tuple[str, ...], calls: Sequence[_Call], baseline: float, min_group_size: int
) -> GroupSummary:
    scored = [c for c in calls if c.verdict.ok]
    opportunity = [c for c in scored if c.verdict.opportunity]
    n = len(opportunity)
    shown = sum(c.verdict.empathy_shown for c in opportunity)
    missing = Rate.of(n - shown, n)
    return GroupSummary(
        key=key,
        calls=len(calls),
        errors=len(calls) - len(scored),
        opportunity_calls=n,
        empathy_rate=Rate.of(shown, n),
        missing_rate=missing,
        empathy_first_rate=Rate.of(sum(c.verdict.empathy_before_data for c in opportunity), n),
        straight_to_data_rate=Rate.of(sum(c.verdict.straight_to_data for c in opportunity), n),
        baseline=baseline,
        difference_pp=(missing.value - baseline) * 100 if missing.value is not None else None,
        p_value=binomial_p_value(missing.count, n, baseline) if n else None,
        too_small=n < max(min_group_size, 1),
    )


def _worst_score(call: _Call) -> float:
    if call.verdict.straight_to_data_probability is not None:
        return call.verdict.straight_to_data_probability
    return 1.0 if call.verdict.straight_to_data else 0.0


def _opening(call: _Call) -> tuple[Snippet, ...]:
    if call.verdict.first_data_request_turn is None:
        return call.evidence
    return tuple(s for s in call.evidence if s.turn <= call.verdict.first_data_request_turn)


def summarize(
    verdicts: Iterable[CallVerdict | Mapping[str, Any]],
    by: str | Sequence[str] | None = None,
    baseline: float = BASELINE,
    meta: Mapping[str, Mapping[str, Any]] | str | Path | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    worst: int = 10,
    show_pii: bool = False,
) -> EmpathyReport:
    """Rates against the baseline, overall and per group; markers, fields and calls to hear.

    Parameters
    ----------
    verdicts
        :class:`~empathy_score.CallVerdict` objects or their ``to_dict()`` records (as read
        back from ``empathy-score score`` output), in any mix.
    by
        A field to group calls by (``"agent"``), several (``["team", "channel"]``), or ``None``
        for the overall rates only. Values come from each call's ``meta``, overridden by
        ``meta``; a call without a value falls in the group ``"(unknown)"``.
    baseline
        Share of calls without empathy to compare with (0.51: the Dutch baseline).
    meta
        Per-call fields by call id, or the path of a CSV side file (see :func:`read_meta`).
    min_group_size
        Groups with fewer calls with an opportunity are marked ``too_small``.
    worst
        How many calls to list under the worst calls.
    show_pii
        Keep personal data in evidence texts; masked with :func:`~empathy_score.redact.redact`
        by default.

    Returns
    -------
    EmpathyReport

    Raises
    ------
    ReportError
        If a verdict record is malformed, the side file cannot be read, or no scored call has
        a value for a ``by`` field (most likely a typo).
    ValueError
        If ``baseline`` is not strictly between 0 and 1.
    """
    if not 0 < baseline < 1:
        raise ValueError(f"baseline must be between 0 and 1, got {baseline}")
    keys = (by,) if isinstance(by, str) else tuple(by or ())
    if any(not isinstance(k, str) or not k.strip() for k in keys):
        raise ValueError(f"'by' takes field names, got {by!r}")
    side = read_meta(meta) if isinstance(meta, str | Path) else dict(meta or {})

    calls = [_call(as_verdict(v, f"verdict {i + 1}"), show_pii) for i, v in enumerate(verdicts)]

    notes = []
    if side:
        matched = sum(1 for c in calls if c.verdict.id in side)
        if matched < len(calls):
            notes.append(f"the meta side file matched {matched} of {len(calls)} calls by id")

    def fields(call: _Call) -> Mapping[str, Any]:
        extra = side.get(call.verdict.id)
        return {**call.verdict.meta, **extra} if extra else call.verdict.meta

    known = {k for c in calls if c.verdict.ok for k in fields(c)}
    known.update(k for row in side.values() for k in row)
    if any(c.verdict.ok for c in calls):
        for key in keys:
            if key not in known:
                raise ReportError(
                    f"no call has a {key!r} value in its meta or the meta side file; "
                    f"fields found: {', '.join(sorted(known)) or 'none'}"
                )

    grouped: dict[tuple[str, ...], list[_Call]] = {}
    calls = [replace(c, group=tuple(_group_value(fields(c).get(k)) for k in keys)) for c in calls]
    for call in calls:
        grouped.setdefault(call.group, []).append(call)

    groups: tuple[GroupSummary, ...] = ()
    if keys:
        groups = tuple(
            _summary(group_key, grouped[group_key], baseline, min_group_size)
            for group_key in sorted(grouped, key=lambda k: tuple(_natural(v) for v in k))
        )

    scored = [c for c in calls if c.verdict.ok]
    opportunity = [c for c in scored if c.verdict.opportunity]
    markers = Counter(m.label for c in scored for m in c.verdict.markers)
    first_fields = Counter(c.first_field for c in opportunity if c.first_field)
    candidates = [
        c
        for c in opportunity
        if c.verdict.straight_to_data
        or (
            c.verdict.straight_to_data_probability is not None
            and c.verdict.straight_to_data_probability >= WORST_THRESHOLD
        )
    ]
    candidates.sort(
        key=lambda c: (
            -_worst_score(c),
            not c.verdict.straight_to_data,
            c.verdict.first_data_request_turn
            if c.verdict.first_data_request_turn is not None
            else math.inf,
            _natural(c.verdict.id),
        )
    )
    worst_calls = tuple(
        WorstCall(
            id=c.verdict.id,
            source=c.verdict.source,
            group=c.group,
            straight_to_data=c.verdict.straight_to_data,
            probability=c.verdict.straight_to_data_probability,
            first_data_request_turn=c.verdict.first_data_request_turn,
            first_field=c.first_field,
            opening=_opening(c),
        )
        for c in candidates[: max(worst, 0)]
    )
    return EmpathyReport(
        baseline=baseline,
        by=keys,
        overall=_summary((), calls, baseline, min_group_size),
        groups=groups,
        marker_categories=tuple(sorted(markers.items(), key=lambda kv: (-kv[1], kv[0]))),
        first_fields=tuple(sorted(first_fields.items(), key=lambda kv: (-kv[1], kv[0]))),
        worst_calls=worst_calls,
        min_group_size=min_group_size,
        pii_masked=not show_pii,
        notes=tuple(notes),
    )
