"""The report's rates as CSV: one row overall and one per group, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..table import spreadsheet_safe
from .contents import RATE_NAMES, ReportContents
from .statistics import Rate

__all__ = ["render_csv"]


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def render_csv(report: ReportContents) -> str:
    """The rates overall and per group, one row each, every rate with its interval."""
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
