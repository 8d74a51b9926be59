"""The empathy report: rates against the Dutch baseline, overall and per agent, team or channel.

A QA lead does not read 4,000 verdicts; she wants to know whether her teams do better than the
Dutch baseline (empathy missing in 51% of calls), which do worse, and which calls to listen to.
:func:`summarize` turns verdicts into an :class:`EmpathyReport`; the report renders itself as a
terminal table, JSON, CSV or one self-contained HTML page.

The rates follow ``ANNOTATION.md`` ("The baseline"). Among the scored calls with an
``opportunity``:

- ``empathy_rate`` – share with ``empathy_shown``; ``missing_rate`` = 1 − ``empathy_rate``,
  the rate set against the baseline;
- ``empathy_first_rate`` – share with ``empathy_before_data``;
- ``straight_to_data_rate`` – share flagged ``straight_to_data``.

Each :class:`Rate` carries its count, denominator and a Wilson 95% interval (which, unlike the
normal approximation, stays inside [0, 1] and behaves for small groups and rates near 0 or 1).
The missing count of every group is tested against the baseline with an exact two-sided binomial
test (:func:`scipy.stats.binomtest`: exact for any group size, no normal approximation).
Groups with fewer than 30 calls with an opportunity are marked too small to judge.

Evidence texts in a report are masked with :func:`empathy_score.redact.redact` unless the
caller asks for personal data with ``show_pii=True``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import NormalDist
from typing import Any

from ..errors import EmpathyScoreError, ReportError
from ..redact import redact
from ..table import spreadsheet_safe, strict_json
from ..terminal import printable
from ..verdict import ERROR, OK, CallVerdict

__all__ = [
    "BASELINE",
    "FORMATS",
    "MIN_GROUP_SIZE",
    "UNKNOWN",
    "EmpathyReport",
    "GroupSummary",
    "Rate",
    "ReportError",
    "Snippet",
    "WorstCall",
    "binomial_p_value",
    "is_verdict_file",
    "read_meta",
    "read_verdicts",
    "render",
    "summarize",
    "wilson_interval",
]

BASELINE = 0.51
"""Share of Dutch customer-service calls without empathy (seed ``004``)."""

MIN_GROUP_SIZE = 30
"""Calls with an opportunity a group needs before its rate is judged against the baseline."""

ALPHA = 0.05
"""Significance level of the binomial test behind a group's judgement."""

UNKNOWN = "(unknown)"
"""Group value of a call whose meta (and side file) lacks the grouping field."""

FORMATS = ("text", "json", "csv", "html")
"""Output formats of :func:`render`."""

WORST_THRESHOLD = 0.5
"""A call not flagged ``straight_to_data`` is still worth a listen from this probability on."""

_Z95 = NormalDist().inv_cdf(0.975)

# Judgements, from the binomial test of the missing rate against the baseline.
TOO_SMALL = "too few calls to judge"
WORSE = "worse than baseline"
BETTER = "better than baseline"
NO_DIFFERENCE = "no clear difference"

RATE_NAMES = ("empathy_rate", "missing_rate", "empathy_first_rate", "straight_to_data_rate")


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def wilson_interval(count: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for ``count`` successes in ``n`` trials (95% by default).

    Raises
    ------
    ValueError
        If ``n`` is not positive or ``count`` is outside ``0..n``.
    """
    if n <= 0 or not 0 <= count <= n:
        raise ValueError(f"need 0 <= count <= n and n > 0, got count={count}, n={n}")
    p = count / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if count == 0 else max(0.0, centre - half)  # exact ends, no rounding residue
    high = 1.0 if count == n else min(1.0, centre + half)
    return low, high


def binomial_p_value(count: int, n: int, p: float) -> float:
    """Exact two-sided binomial test of ``count`` in ``n`` against probability ``p``.

    Uses :func:`scipy.stats.binomtest`: the p-value sums the probabilities of every outcome
    no more likely than the one observed.
    """
    from scipy.stats import binomtest  # heavy: imported only when a report is made

    return float(binomtest(count, n, p, alternative="two-sided").pvalue)


@dataclass(frozen=True)
class Rate:
    """A share: ``count`` of ``denominator``, with its Wilson 95% interval.

    ``value``, ``low`` and ``high`` are ``None`` when the denominator is 0 (no calls to
    compute a share of).
    """

    count: int
    denominator: int
    value: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, count: int, denominator: int) -> Rate:
        if denominator == 0:
            return cls(count, 0, None, None, None)
        low, high = wilson_interval(count, denominator)
        return cls(count, denominator, count / denominator, low, high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "denominator": self.denominator,
            "value": self.value,
            "low": self.low,
            "high": self.high,
        }


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
class EmpathyReport:
    """Rates overall and per group, the markers and fields used, and the calls to hear first.

    Build one with :func:`summarize`; render it with :meth:`to_text`, :meth:`to_json`,
    :meth:`to_csv` or :meth:`to_html`.
    """

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

    def to_json(self) -> str:
        return json.dumps(strict_json(self.to_dict()), ensure_ascii=False, indent=2) + "\n"

    def to_text(self) -> str:
        return printable(_render_text(self))  # transcripts' control characters, shown

    def to_csv(self) -> str:
        return _render_csv(self)

    def to_html(self) -> str:
        return _render_html(self)


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


# --------------------------------------------------------------------------------------------
# Reading verdicts and side files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """What the report needs of one verdict, from a CallVerdict or a record alike."""

    id: str
    source: str | None
    ok: bool
    opportunity: bool
    empathy_shown: bool
    empathy_before_data: bool
    straight_to_data: bool
    probability: float | None
    first_data_request_turn: int | None
    first_field: str | None
    marker_categories: tuple[str, ...]
    evidence: tuple[Snippet, ...]
    meta: Mapping[str, Any]
    group: tuple[str, ...] = ()


def _from_verdict(verdict: CallVerdict, show_pii: bool) -> _Call:
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
    return _Call(
        id=verdict.id,
        source=verdict.source,
        ok=verdict.ok,
        opportunity=verdict.opportunity,
        empathy_shown=verdict.empathy_shown,
        empathy_before_data=verdict.empathy_before_data,
        straight_to_data=verdict.straight_to_data,
        probability=verdict.straight_to_data_probability,
        first_data_request_turn=verdict.first_data_request_turn,
        first_field=verdict.data_requests[0].label if verdict.data_requests else None,
        marker_categories=tuple(m.label for m in verdict.markers),
        evidence=tuple(sorted(evidence, key=lambda s: (s.turn, s.start))),
        meta=verdict.meta,
    )


def _from_record(record: Any, where: str, show_pii: bool) -> _Call:
    """A verdict record (``CallVerdict.to_dict()``) checked field by field."""

    def fail(message: str) -> ReportError:
        return ReportError(f"{message}; expected a verdict record as `empathy-score score` writes")

    if not isinstance(record, Mapping):
        raise fail(f"{where} is a {type(record).__name__}, not a verdict record")
    if record.get("status") not in (OK, ERROR):
        raise fail(f"{where} has status {record.get('status')!r} (not 'ok' or 'error')")
    if not isinstance(record.get("id"), str | int) or isinstance(record.get("id"), bool):
        raise fail(f"{where} has no id")

    def flag(key: str) -> bool:
        value = record.get(key, False)
        if not isinstance(value, bool):
            raise fail(f"{where}: {key!r} must be true or false, not {value!r}")
        return value

    probability = record.get("straight_to_data_probability")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 <= probability <= 1
    ):
        raise fail(f"{where}: 'straight_to_data_probability' must be null or in [0, 1]")
    first_turn = record.get("first_data_request_turn")
    if first_turn is not None and (isinstance(first_turn, bool) or not isinstance(first_turn, int)):
        raise fail(f"{where}: 'first_data_request_turn' must be null or a turn number")
    meta = record.get("meta") or {}
    if not isinstance(meta, Mapping):
        raise fail(f"{where}: 'meta' must be an object")

    evidence: list[Snippet] = []
    for key, kind, label_key in (
        ("opportunities", "opportunity", "category"),
        ("markers", "marker", "category"),
        ("data_requests", "request", "field"),
    ):
        items = record.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise fail(f"{where}: {key!r} must be a list of objects")
        for item in items:
            turn, start = item.get("turn"), item.get("start", 0)
            if not isinstance(turn, int) or not isinstance(start, int):
                raise fail(f"{where}: every item of {key!r} needs a turn number")
            text = str(item.get("text") or "")
            evidence.append(
                Snippet(
                    turn=turn,
                    kind=kind,
                    label=str(item.get(label_key, "")),
                    text=text if show_pii else redact(text),
                    start=start,
                )
            )
    evidence.sort(key=lambda s: (s.turn, s.start))
    requests = [s for s in evidence if s.kind == "request"]
    return _Call(
        id=str(record["id"]),
        source=record.get("source"),
        ok=record["status"] == OK,
        opportunity=flag("opportunity"),
        empathy_shown=flag("empathy_shown"),
        empathy_before_data=flag("empathy_before_data"),
        straight_to_data=flag("straight_to_data"),
        probability=float(probability) if probability is not None else None,
        first_data_request_turn=first_turn,
        first_field=requests[0].label if requests else None,
        marker_categories=tuple(s.label for s in evidence if s.kind == "marker"),
        evidence=tuple(evidence),
        meta=meta,
    )


def is_verdict_file(path: str | Path) -> bool:
    """Whether ``path`` is a ``.jsonl`` file of verdict records (its first record has "status")."""
    path = Path(path)
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    record = json.loads(line)
                    return isinstance(record, dict) and "status" in record
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return False


def read_verdicts(path: str | Path) -> list[dict[str, Any]]:
    """The verdict records of a JSONL file as ``empathy-score score`` writes it.

    Raises
    ------
    ReportError
        For a line that is not JSON or not a verdict record, naming the file and line.
    """
    path = Path(path)
    records = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReportError(f"cannot read verdicts: {err}", path=path) from err
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ReportError(f"not JSON ({err.msg})", path=path, line=number) from err
        try:
            _from_record(record, "the record", show_pii=True)
        except ReportError as err:
            raise ReportError(err.reason, path=path, line=number) from None
        records.append(record)
    return records


def read_meta(path: str | Path) -> dict[str, dict[str, str]]:
    """A side file of call metadata: CSV with an ``id`` column and any others, by call id.

    QA exports provide ``id,agent,team,channel,date``; every column can be used in ``by``.
    Comma, semicolon (Dutch Excel) and tab separators are recognised from the header, and a
    byte-order mark is ignored. Empty cells count as unknown.

    Raises
    ------
    ReportError
        If the file cannot be read, has no ``id`` column, or repeats or omits an id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ReportError("not UTF-8 text; save it as 'CSV UTF-8'", path=path) from err
    except OSError as err:
        raise ReportError(f"cannot read the meta file: {err.strerror}", path=path) from err
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = iter(reader)
    columns = [c.strip() for c in next(rows, [])]
    if "id" not in columns:
        raise ReportError(
            f"the header has no 'id' column (found: {', '.join(columns) or 'nothing'})",
            path=path,
            line=1,
        )
    meta: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for row in rows:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise ReportError(
                f"{len(row)} cells, but the header has {len(columns)} columns",
                path=path,
                line=number,
            )
        values = {c: cell.strip() for c, cell in zip(columns, row, strict=False)}
        call_id = values.pop("id", "")
        if not call_id:
            raise ReportError("no id in this row", path=path, line=number)
        if call_id in seen:
            raise ReportError(
                f"id {call_id!r} again (first on line {seen[call_id]})", path=path, line=number
            )
        seen[call_id] = number
        meta[call_id] = {k: v for k, v in values.items() if v}
    return meta


# --------------------------------------------------------------------------------------------
# Summarizing
# --------------------------------------------------------------------------------------------


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
    scored = [c for c in calls if c.ok]
    opportunity = [c for c in scored if c.opportunity]
    n = len(opportunity)
    shown = sum(c.empathy_shown for c in opportunity)
    missing = Rate.of(n - shown, n)
    return GroupSummary(
        key=key,
        calls=len(calls),
        errors=len(calls) - len(scored),
        opportunity_calls=n,
        empathy_rate=Rate.of(shown, n),
        missing_rate=missing,
        empathy_first_rate=Rate.of(sum(c.empathy_before_data for c in opportunity), n),
        straight_to_data_rate=Rate.of(sum(c.straight_to_data for c in opportunity), n),
        baseline=baseline,
        difference_pp=(missing.value - baseline) * 100 if missing.value is not None else None,
        p_value=binomial_p_value(missing.count, n, baseline) if n else None,
        too_small=n < max(min_group_size, 1),
    )


def _worst_score(call: _Call) -> float:
    if call.probability is not None:
        return call.probability
    return 1.0 if call.straight_to_data else 0.0


def _opening(call: _Call) -> tuple[Snippet, ...]:
    if call.first_data_request_turn is None:
        return call.evidence
    return tuple(s for s in call.evidence if s.turn <= call.first_data_request_turn)


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

    calls = [
        _from_verdict(v, show_pii)
        if isinstance(v, CallVerdict)
        else _from_record(v, f"verdict {i + 1}", show_pii)
        for i, v in enumerate(verdicts)
    ]

    notes = []
    if side:
        matched = sum(1 for c in calls if c.id in side)
        if matched < len(calls):
            notes.append(f"the meta side file matched {matched} of {len(calls)} calls by id")

    def fields(call: _Call) -> Mapping[str, Any]:
        extra = side.get(call.id)
        return {**call.meta, **extra} if extra else call.meta

    known = {k for c in calls if c.ok for k in fields(c)}
    known.update(k for row in side.values() for k in row)
    if any(c.ok for c in calls):
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

    scored = [c for c in calls if c.ok]
    opportunity = [c for c in scored if c.opportunity]
    markers = Counter(m for c in scored for m in c.marker_categories)
    first_fields = Counter(c.first_field for c in opportunity if c.first_field)
    candidates = [
        c
        for c in opportunity
        if c.straight_to_data or (c.probability is not None and c.probability >= WORST_THRESHOLD)
    ]
    candidates.sort(
        key=lambda c: (
            -_worst_score(c),
            not c.straight_to_data,
            c.first_data_request_turn if c.first_data_request_turn is not None else math.inf,
            _natural(c.id),
        )
    )
    worst_calls = tuple(
        WorstCall(
            id=c.id,
            source=c.source,
            group=c.group,
            straight_to_data=c.straight_to_data,
            probability=c.probability,
            first_data_request_turn=c.first_data_request_turn,
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


# --------------------------------------------------------------------------------------------
# Text and CSV
# --------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _rate_text(rate: Rate) -> str:
    if rate.value is None or rate.low is None or rate.high is None:
        return "–"
    return f"{rate.value * 100:.1f}% [{rate.low * 100:.1f}–{rate.high * 100:.1f}]"


def _p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _pp_text(pp: float | None) -> str:
    return "–" if pp is None else f"{pp:+.1f} pp"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _counts_text(items: Sequence[tuple[str, int]]) -> str:
    return " · ".join(f"{name} {count}" for name, count in items) if items else "none"


def _render_text(report: EmpathyReport) -> str:
    overall = report.overall
    base = f"{report.baseline * 100:g}%"
    lines = [
        f"Empathy report: {overall.calls} calls, {overall.errors} not scored, "
        f"{overall.opportunity_calls} with an opportunity for empathy",
        f"Baseline: empathy missing in {base} of Dutch customer-service calls.",
        "",
    ]
    header = [
        " / ".join(report.by) if report.by else "",
        "calls",
        "errors",
        "opp.",
        "empathy missing [95% CI]",
        f"vs {base}",
        "p",
        "empathy first",
        "straight to data",
        "judgement",
    ]
    rows = [
        [
            g.label,
            str(g.calls),
            str(g.errors),
            str(g.opportunity_calls),
            _rate_text(g.missing_rate),
            _pp_text(g.difference_pp),
            _p_text(g.p_value),
            _pct(g.empathy_first_rate.value),
            _pct(g.straight_to_data_rate.value),
            g.judgement,
        ]
        for g in (overall, *report.groups)
    ]
    lines += _table(header, rows, right={1, 2, 3, 5, 6, 7, 8})
    lines += [
        "",
        f"Empathy markers used: {_counts_text(report.marker_categories)}",
        f"Asked for first: {_counts_text(report.first_fields)}",
    ]
    if report.worst_calls:
        lines += ["", "Listen to these calls first:"]
        width = len(str(len(report.worst_calls)))
        for rank, call in enumerate(report.worst_calls, start=1):
            parts = [call.id]
            if call.group:
                parts.append(" / ".join(call.group))
            parts.append("straight to data" if call.straight_to_data else "likely straight to data")
            if call.probability is not None:
                parts.append(f"probability {call.probability:.2f}")
            if call.first_field is not None:
                parts.append(f"asks for {call.first_field} in turn {call.first_data_request_turn}")
            lines.append(f"  {rank:>{width}}. " + "  ·  ".join(parts))
    lines += [
        "",
        "missing = calls with an opportunity where the agent showed no empathy, with a 95% Wilson",
        f"interval. p = exact two-sided binomial test of the missing count against {base} (per",
        "group, not corrected for comparing many groups). empathy first = empathy before the",
        f"first data request. Groups with fewer than {report.min_group_size} calls with an "
        "opportunity are too few to judge.",
    ]
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _render_csv(report: EmpathyReport) -> str:
    columns = ["scope", *report.by, "calls", "errors", "opportunity_calls"]
    for name in RATE_NAMES:
        columns += [f"{name}_count", f"{name}_denominator", name, f"{name}_low", f"{name}_high"]
    columns += ["missing_vs_baseline_pp", "baseline", "p_value", "too_small", "judgement"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for group in (report.overall, *report.groups):
        row: list[Any] = [
            "group" if group.key else "overall",
            *(spreadsheet_safe(str(v)) for v in (group.key or [""] * len(report.by))),
            group.calls,
            group.errors,
            group.opportunity_calls,
        ]
        for name in RATE_NAMES:
            rate: Rate = getattr(group, name)
            row += [rate.count, rate.denominator]
            row += [_csv_number(v) for v in (rate.value, rate.low, rate.high)]
        row += [
            _csv_number(group.difference_pp),
            report.baseline,
            _csv_number(group.p_value),
            str(group.too_small).lower(),
            group.judgement,
        ]
        writer.writerow(row)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_COLOURS = {WORSE: "#b03a2e", BETTER: "#1e7b45", NO_DIFFERENCE: "#2d5f8b", TOO_SMALL: "#8c8c8c"}
_BASELINE_COLOUR = "#6c3483"


def _missing_first(group: GroupSummary) -> tuple[float, str]:
    value = group.missing_rate.value
    return (-(value if value is not None else -1.0), group.label)


def _judged(report: EmpathyReport) -> list[GroupSummary]:
    """The groups with enough calls to judge, the most empathy missing first."""
    return sorted((g for g in report.groups if not g.too_small), key=_missing_first)


def _too_small(report: EmpathyReport) -> list[GroupSummary]:
    """The groups with too few calls to judge, in the report's order (by name)."""
    return [g for g in report.groups if g.too_small]


def _chart_svg(report: EmpathyReport) -> str:
    """The missing rate of every group with its interval, against the baseline line, as SVG.

    Drawn with matplotlib's object-oriented API on the headless Agg canvas (no pyplot, no
    GUI, no global state); the SVG keeps its text as paths so it needs no fonts to display.
    """
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError as err:  # pragma: no cover - matplotlib is a dependency
        raise EmpathyScoreError("the HTML report needs matplotlib: pip install matplotlib") from err

    rows = [report.overall, *_judged(report)]
    with matplotlib.rc_context(
        {"svg.hashsalt": "empathy-score", "svg.fonttype": "path", "font.size": 9}
    ):
        fig = Figure(figsize=(8, 1.5 + 0.3 * len(rows)), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for y, group in enumerate(rows):
            rate = group.missing_rate
            colour = _COLOURS[group.judgement]
            if rate.value is None or rate.low is None or rate.high is None:
                ax.text(1, y, "no calls with an opportunity", va="center", color=colour)
                continue
            ax.errorbar(
                rate.value * 100,
                y,
                xerr=[[(rate.value - rate.low) * 100], [(rate.high - rate.value) * 100]],
                fmt="o",
                color=colour,
                markerfacecolor="white" if group.too_small else colour,
                capsize=3,
                elinewidth=1.5,
            )
        ax.axvline(report.baseline * 100, color=_BASELINE_COLOUR, linestyle="--", linewidth=1.2)
        labels = [f"{g.label} (n={g.opportunity_calls})".replace("$", r"\$") for g in rows]
        ax.set_yticks(range(len(rows)), labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("calls with an opportunity where empathy is missing (%), 95% interval")
        ax.grid(axis="x", color="#e5e5e5")
        ax.set_axisbelow(True)
        handles = [
            Line2D(
                [],
                [],
                color=_BASELINE_COLOUR,
                linestyle="--",
                label=f"baseline {report.baseline * 100:g}%",
            ),
            *(
                Line2D(
                    [],
                    [],
                    color=c,
                    marker="o",
                    linestyle="",
                    label=name,
                    markerfacecolor="white" if name == TOO_SMALL else c,
                )
                for name, c in _COLOURS.items()
            ),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False, fontsize=8)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1f1f1f;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem}
.lead{color:#444}figure{margin:1rem 0}figure svg{width:100%;max-width:54rem;height:auto}
figcaption{font-size:.85rem;color:#555}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}table.groups{width:100%}
th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.n b{font-weight:inherit;white-space:nowrap}td.n small{display:block;white-space:nowrap}
small{color:#666}tr.overall{font-weight:600;background:#f6f6f6}
.j-worse{color:#b03a2e}.j-better{color:#1e7b45}.j-small{color:#777}
ol.calls>li{margin-bottom:1rem}.why{margin:.2rem 0;color:#444}
ul.turns{list-style:none;padding-left:0;margin:.3rem 0}
ul.turns li{margin:.15rem 0}.who{display:inline-block;min-width:9rem;color:#666;font-size:.85rem}
mark{padding:0 .2rem;border-radius:.2rem;overflow-wrap:anywhere}mark.opportunity{background:#fdebb3}
mark.marker{background:#c9efd4}mark.request{background:#f8c9c4}
mark small{font-size:.7rem;margin-left:.3rem}
footer{margin-top:2rem;font-size:.85rem;color:#555}
@media (max-width:48rem){
body{margin:1rem auto}table.groups thead{display:none}
table.groups,table.groups tbody,table.groups tr,table.groups td{display:block;width:auto}
table.groups tr{border:1px solid #ddd;border-radius:.3rem;margin:.6rem 0;padding:.3rem .5rem}
table.groups td{border:0;padding:.15rem 0;text-align:right;overflow-wrap:anywhere}
table.groups td::before{content:attr(data-label);float:left;color:#555;font-weight:400}
table.groups td.name{text-align:left;font-weight:600}table.groups td.name::before{content:none}
td.n small{display:inline;margin-left:.4rem}}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _rate_cell(rate: Rate, label: str) -> str:
    head = f'<td class="n" data-label="{_esc(label)}">'
    if rate.value is None or rate.low is None or rate.high is None:
        return f"{head}–</td>"
    return (
        f"{head}<b>{rate.value * 100:.1f}%</b><small>{rate.low * 100:.1f}–"
        f"{rate.high * 100:.1f} · {rate.count}/{rate.denominator}</small></td>"
    )


_JUDGEMENT_CLASS = {WORSE: "j-worse", BETTER: "j-better", TOO_SMALL: "j-small", NO_DIFFERENCE: ""}


def _group_table(report: EmpathyReport) -> str:
    """Overall and the groups with enough calls, the most empathy missing first; the rest in a
    small table of their own, so that many small groups do not bury the ones to act on."""
    base = f"{report.baseline * 100:g}%"
    columns = (
        ("calls", "calls"),
        ("errors", "errors"),
        ("with an opportunity", "with an opportunity"),
        ("empathy missing", "empathy missing"),
        (f"vs {base}", f"vs {base}"),
        ("p", "p"),
        ("empathy first", "empathy first"),
        ("straight to data", "straight to data"),
    )
    head = (
        f"<tr><th>{_esc(' / '.join(report.by) or 'calls')}</th><th>judgement</th>"
        + "".join(f"<th>{_esc(name)}</th>" for name, _ in columns)
        + "</tr>"
    )
    body = []
    for group in (report.overall, *_judged(report)):
        css = "overall" if not group.key else ""
        body.append(
            f'<tr class="{css}"><td class="name">{_esc(group.label)}</td>'
            f'<td class="{_JUDGEMENT_CLASS[group.judgement]}" data-label="judgement">'
            f"{_esc(group.judgement)}</td>"
            f'<td class="n" data-label="calls">{group.calls}</td>'
            f'<td class="n" data-label="errors">{group.errors}</td>'
            f'<td class="n" data-label="with an opportunity">{group.opportunity_calls}</td>'
            f"{_rate_cell(group.missing_rate, 'empathy missing')}"
            f'<td class="n" data-label="vs {_esc(base)}">{_esc(_pp_text(group.difference_pp))}</td>'
            f'<td class="n" data-label="p">{_esc(_p_text(group.p_value))}</td>'
            f"{_rate_cell(group.empathy_first_rate, 'empathy first')}"
            f"{_rate_cell(group.straight_to_data_rate, 'straight to data')}</tr>"
        )
    table = f'<table class="groups"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
    small = _too_small(report)
    if not small:
        return table
    rows = "".join(
        f'<tr><td class="name">{_esc(g.label)}</td><td class="n" data-label="calls">{g.calls}'
        f'</td><td class="n" data-label="with an opportunity">{g.opportunity_calls}</td>'
        f"{_rate_cell(g.missing_rate, 'empathy missing')}</tr>"
        for g in small
    )
    return (
        f"{table}<h3>Too few calls to judge ({len(small)} group{'s' if len(small) != 1 else ''})"
        "</h3>"
        f"<p><small>Fewer than {report.min_group_size} calls with an opportunity each: their "
        "rates are shown, not judged, and they are left out of the chart.</small></p>"
        f'<table class="groups small"><thead><tr><th>{_esc(" / ".join(report.by))}</th>'
        "<th>calls</th><th>with an opportunity</th><th>empathy missing</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _counts_table(title: str, items: Sequence[tuple[str, int]]) -> str:
    if not items:
        return f"<p>{_esc(title)}: none.</p>"
    rows = "".join(f'<tr><td>{_esc(k)}</td><td class="n">{v}</td></tr>' for k, v in items)
    return f"<table><thead><tr><th>{_esc(title)}</th><th>count</th></tr></thead>{rows}</table>"


_KIND_NAMES = {"opportunity": "distress", "marker": "empathy", "request": "asks for"}


def _worst_html(report: EmpathyReport) -> str:
    if not report.worst_calls:
        return "<p>No call was flagged straight to data.</p>"
    items = []
    for call in report.worst_calls:
        why = ["straight to data" if call.straight_to_data else "likely straight to data"]
        if call.probability is not None:
            why.append(f"probability {call.probability:.2f}")
        if call.first_field is not None:
            why.append(f"asks for {call.first_field} in turn {call.first_data_request_turn}")
        turns: dict[int, list[Snippet]] = {}
        for snippet in call.opening:
            turns.setdefault(snippet.turn, []).append(snippet)
        lines = []
        for turn, snippets in sorted(turns.items()):
            marks = " … ".join(
                f'<mark class="{s.kind}" title="{_esc(s.label)}">{_esc(s.text)}'
                f"<small>{_esc(_KIND_NAMES[s.kind])} {_esc(s.label)}</small></mark>"
                for s in snippets
            )
            lines.append(
                f'<li><span class="who">turn {turn} · {snippets[0].speaker}</span>… {marks} …</li>'
            )
        group = f" <small>{_esc(' / '.join(call.group))}</small>" if call.group else ""
        source = f" <small>{_esc(call.source)}</small>" if call.source else ""
        items.append(
            f"<li><strong>{_esc(call.id)}</strong>{group}{source}"
            f'<p class="why">{_esc(" · ".join(why))}</p>'
            f'<ul class="turns">{"".join(lines)}</ul></li>'
        )
    return f'<ol class="calls">{"".join(items)}</ol>'


def _chart_note(report: EmpathyReport) -> str:
    small = len(_too_small(report))
    if not small:
        return f"a hollow point has fewer than {report.min_group_size} calls with an opportunity."
    groups = f"{small} groups with" if small != 1 else "1 group with"
    verb = "are" if small != 1 else "is"
    return (
        f"{groups} fewer than {report.min_group_size} calls with an opportunity {verb} left out "
        "(see the table below)."
    )


def _render_html(report: EmpathyReport) -> str:
    overall = report.overall
    base = f"{report.baseline * 100:g}%"
    pii = (
        "Numbers, licence plates, IBANs, e-mail addresses and postcodes in the evidence are masked."
        if report.pii_masked
        else "This report shows personal data from the calls unmasked: share it with care."
    )
    notes = "".join(f"<p>Note: {_esc(n)}</p>" for n in report.notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Empathy report</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>Empathy report</h1>
<p class="lead">{overall.calls} calls, {overall.errors} not scored,
{overall.opportunity_calls} with an opportunity for empathy. Baseline: empathy missing in
{_esc(base)} of Dutch customer-service calls.</p>
</header>
<main>
<section id="chart">
<h2>Empathy missing, against the baseline</h2>
<figure class="chart">
{_chart_svg(report)}
<figcaption>Share of calls with an opportunity where the agent showed no empathy, with its 95%
Wilson interval; the dashed line is the baseline of {_esc(base)}. Groups with enough calls to
judge, the most empathy missing first; {_chart_note(report)}</figcaption>
</figure>
</section>
<section id="rates">
<h2>Rates</h2>
{_group_table(report)}
<p><small>Each rate: share, 95% Wilson interval, count/calls with an opportunity. p: exact
two-sided binomial test of the missing count against {_esc(base)}, per group (not corrected for
comparing many groups).</small></p>
</section>
<section id="usage">
<h2>Empathy markers used and fields asked for first</h2>
{_counts_table("empathy marker", report.marker_categories)}
{_counts_table("asked for first", report.first_fields)}
</section>
<section id="worst">
<h2>Listen to these calls first</h2>
{_worst_html(report)}
</section>
</main>
<footer><p>{_esc(pii)}</p>{notes}</footer>
</body>
</html>
"""
