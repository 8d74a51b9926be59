"""Render one scored call for a person: every turn, with what was found highlighted."""

from __future__ import annotations

from .terminal import printable
from .transcript import Transcript
from .verdict import CallVerdict, Evidence

__all__ = ["render_explanation"]

_COLOURS = {"marker": "\033[1;32m", "request": "\033[1;31m", "opportunity": "\033[1;33m"}
_RESET = "\033[0m"
_TAGS = {"marker": "empathy", "request": "data", "opportunity": "opportunity"}


def _highlight(text: str, found: list[tuple[Evidence, str]], colour: bool) -> str:
    """Insert highlights into one turn's text; overlapping evidence keeps the earliest."""
    out: list[str] = []
    pos = 0
    for evidence, kind in sorted(found, key=lambda f: (f[0].start, -f[0].end)):
        if evidence.start < pos:
            continue
        out.append(printable(text[pos : evidence.start]))
        piece = printable(text[evidence.start : evidence.end])
        if colour:
            out.append(f"{_COLOURS[kind]}{piece}{_RESET}\033[2m[{evidence.label}]{_RESET}")
        else:
            out.append(f"[{_TAGS[kind]} {evidence.label}: {piece}]")
        pos = evidence.end
    out.append(printable(text[pos:]))
    return "".join(out)


def render_explanation(transcript: Transcript, verdict: CallVerdict, *, colour: bool) -> str:
    """The call turn by turn with markers, data requests and opportunities marked, then the verdict.

    With ``colour`` the findings are coloured (green empathy, red data requests, yellow
    opportunities); without it they are shown in plain brackets, safe for files and pipes.
    """
    by_turn: dict[int, list[tuple[Evidence, str]]] = {}
    for kind, items in (
        ("marker", verdict.markers),
        ("request", verdict.data_requests),
        ("opportunity", verdict.opportunities),
    ):
        for evidence in items:
            by_turn.setdefault(evidence.turn, []).append((evidence, kind))
    width = len(str(len(transcript.turns) - 1))
    source = f" ({transcript.source})" if transcript.source else ""
    lines = [printable(f"call {transcript.id}{source}")]
    for index, turn in enumerate(transcript.turns):
        text = _highlight(turn.text, by_turn.get(index, []), colour)
        lines.append(f"  {index:>{width}} {turn.speaker:<8} {text}")
    lines.append("")
    flags = (
        f"opportunity={str(verdict.opportunity).lower()} "
        f"empathy_shown={str(verdict.empathy_shown).lower()} "
        f"empathy_before_data={str(verdict.empathy_before_data).lower()} "
        f"straight_to_data={str(verdict.straight_to_data).lower()}"
    )
    if verdict.straight_to_data_probability is not None:
        flags += f" probability={verdict.straight_to_data_probability:.2f}"
    lines.append(flags)
    lines.append(printable(verdict.reason()))
    evidence_rules = sorted(
        {e.rule for e in (*verdict.markers, *verdict.data_requests, *verdict.opportunities)}
    )
    if evidence_rules:
        lines.append("rules: " + ", ".join(evidence_rules))
    return "\n".join(lines)
