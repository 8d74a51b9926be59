"""The report as a terminal table: rates, markers and fields, and the calls to hear first."""

from __future__ import annotations

from collections.abc import Sequence

from ..terminal import printable
from .contents import ReportContents
from .statistics import Rate

__all__ = ["p_text", "pp_text", "render_text"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _rate_text(rate: Rate) -> str:
    if rate.value is None or rate.low is None or rate.high is None:
        return "–"
    return f"{rate.value * 100:.1f}% [{rate.low * 100:.1f}–{rate.high * 100:.1f}]"


def p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def pp_text(pp: float | None) -> str:
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


def render_text(report: ReportContents) -> str:
    """The report as plain text; control characters from transcripts are shown, not run."""
    return printable(_text(report))


def _text(report: ReportContents) -> str:
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
            pp_text(g.difference_pp),
            p_text(g.p_value),
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
