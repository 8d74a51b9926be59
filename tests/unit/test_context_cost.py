"""The context pass costs work in proportion to a turn's length, not to its square.

A turn of N sentences has some N candidates and N triggers; judging every candidate against
every trigger made an 80,000-character turn take seconds. The work is counted here as the
lines of ``context.py`` that run (no clock): doubling the turn must about double it.
"""

from __future__ import annotations

import sys

from empathy_score.components import set_speaker
from empathy_score.context import ContextFilter
from empathy_score.context import __file__ as COMPONENTS

# an apology that lacks its cue (dropped), two fields asked for, a list that shares its cue
UNIT = (
    "Wat vervelend, mag ik uw polisnummer en uw geboortedatum, graag. "
    "Het kenteken en de meldcode, alstublieft. "
)


def _context_pass(nlp, repeats: int):
    """(lines of context.py run by the context pass, its doc) for a turn of ``repeats`` UNITs."""
    doc = set_speaker(nlp.make_doc(UNIT * repeats), "agent")
    context = None
    for _, component in nlp.pipeline:
        if isinstance(component, ContextFilter):
            context = component
            break
        doc = component(doc)
    assert context is not None, "no context filter in the pipeline"
    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        if frame.f_code.co_filename != COMPONENTS:
            return None
        lines += event == "line"
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        doc = context(doc)
    finally:
        sys.settrace(previous)
    return lines, doc


def test_a_turn_twice_as_long_costs_the_context_pass_about_twice_the_work(nlp):
    short, short_doc = _context_pass(nlp, 30)
    long, long_doc = _context_pass(nlp, 60)
    # the work is real: every repetition keeps its fields, and the shared cue keeps "kenteken"
    requests = [span.text for span in long_doc.spans["data_request"]]
    assert requests.count("uw polisnummer") == 60
    assert requests.count("kenteken") == 60
    assert len(long_doc.spans["data_request"]) == 2 * len(short_doc.spans["data_request"])
    assert long < 2.3 * short, f"{short} lines for 30 sentences, {long} for 60: not linear"
