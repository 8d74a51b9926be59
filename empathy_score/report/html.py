"""The report as one self-contained HTML page: a chart against the baseline, the rates, and
the calls to listen to with their evidence marked.

The page loads nothing (its Content-Security-Policy forbids it): the chart is inline SVG and
the style sheet, ``report.css`` beside this module, is inlined.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from html import escape
from importlib.resources import files

from ..errors import EmpathyScoreError
from .contents import GroupSummary, ReportContents, Snippet
from .statistics import BETTER, NO_DIFFERENCE, TOO_SMALL, WORSE, Rate
from .text import p_text, pp_text

__all__ = ["render_html"]


@cache
def _css() -> str:
    """The page's style sheet, ``report.css``."""
    return files(__package__).joinpath("report.css").read_text(encoding="utf-8")


_COLOURS = {WORSE: "#b03a2e", BETTER: "#1e7b45", NO_DIFFERENCE: "#2d5f8b", TOO_SMALL: "#8c8c8c"}
_BASELINE_COLOUR = "#6c3483"


def _missing_first(group: GroupSummary) -> tuple[float, str]:
    value = group.missing_rate.value
    return (-(value if value is not None else -1.0), group.label)


def _judged(report: ReportContents) -> list[GroupSummary]:
    """The groups with enough calls to judge, the most empathy missing first."""
    return sorted((g for g in report.groups if not g.too_small), key=_missing_first)


def _too_small(report: ReportContents) -> list[GroupSummary]:
    """The groups with too few calls to judge, in the report's order (by name)."""
    return [g for g in report.groups if g.too_small]


def _chart_svg(report: ReportContents) -> str:
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


def _esc(value: object) -> str:
    return escape(str(value), quote=True)


def _rate_cell(rate: Rate, label: str) -> str:
    head = f'<td class="n" data-label="{_esc(label)}">'
    if rate.value is None or rate.low is None or rate.high is None:
        return f"{head}–</td>"
    return (
        f"{head}<b>{rate.value * 100:.1f}%</b><small>{rate.low * 100:.1f}–"
        f"{rate.high * 100:.1f} · {rate.count}/{rate.denominator}</small></td>"
    )


_JUDGEMENT_CLASS = {WORSE: "j-worse", BETTER: "j-better", TOO_SMALL: "j-small", NO_DIFFERENCE: ""}


def _group_table(report: ReportContents) -> str:
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
            f'<td class="n" data-label="vs {_esc(base)}">{_esc(pp_text(group.difference_pp))}</td>'
            f'<td class="n" data-label="p">{_esc(p_text(group.p_value))}</td>'
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


def _worst_html(report: ReportContents) -> str:
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


def _chart_note(report: ReportContents) -> str:
    small = len(_too_small(report))
    if not small:
        return f"a hollow point has fewer than {report.min_group_size} calls with an opportunity."
    groups = f"{small} groups with" if small != 1 else "1 group with"
    verb = "are" if small != 1 else "is"
    return (
        f"{groups} fewer than {report.min_group_size} calls with an opportunity {verb} left out "
        "(see the table below)."
    )


def render_html(report: ReportContents) -> str:
    """The report as one self-contained HTML page: chart, rate tables and calls to hear."""
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
<style>
{_css()}</style>
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
