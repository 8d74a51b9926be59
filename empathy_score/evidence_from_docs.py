"""From the pipeline's analysed turns (spaCy Docs and their span groups) to a call verdict.

This is the one place where the verdict meets spaCy: each span the pipeline left in a turn's
``empathy``, ``data_request`` or ``opportunity`` group becomes a plain
:class:`~empathy_score.verdict.Evidence`, and the decisions of the annotation guide
(``corpora/README.md``) are then taken on that evidence alone
(:func:`~empathy_score.verdict.verdict_from_evidence`). The verdict module itself imports no
spaCy, so that reading verdicts back, reporting on them and writing them as CSV never load a
pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Span

from .transcript import AGENT, CUSTOMER, Transcript
from .verdict import CallVerdict, Evidence, verdict_from_evidence

__all__ = ["decide", "evidence_from_docs", "span_evidence"]


def span_evidence(turn: int, span: Span, text: str | None = None) -> Evidence:
    """What a span of turn ``turn`` found: its label, text, character offsets and rule id.

    ``text`` is the turn's text, when the caller has it: the span's words are then sliced
    from it rather than joined from its tokens (the Doc was made from that text).
    """
    start, end = span.start_char, span.end_char
    # (turn, label, text, start, end, rule)
    return Evidence(
        turn, span.label_, span.text if text is None else text[start:end], start, end, span.id_
    )


def evidence_from_docs(
    docs: Sequence[Doc], turns: Sequence[int], key: str, texts: Sequence[str] | None = None
) -> tuple[Evidence, ...]:
    """The spans of group ``key`` in the given turns, as evidence in call order.

    ``texts`` are the texts the Docs were made from, one per Doc, if the caller has them.
    """
    found = []
    for index in turns:
        group = docs[index].spans.get(key)
        if not group:
            continue
        text = texts[index] if texts is not None else None
        found.extend(span_evidence(index, span, text) for span in group)
    found.sort(key=lambda e: (e.turn, e.start, e.end))
    return tuple(found)


#: The span groups read from each speaker's turns, in the order of the verdict's arguments.
_GROUPS = {AGENT: ("empathy", "data_request"), CUSTOMER: ("opportunity",)}


def decide(transcript: Transcript, docs: Sequence[Doc]) -> CallVerdict:
    """Turn the analysed turns of one call into its verdict (rules only).

    ``docs`` are the call's turns as the pipeline analysed them, one per turn, each made from
    its turn's text (as the scorer makes them): evidence quotes the turns' text.

    The same evidence as :func:`evidence_from_docs` gives, gathered in one pass over the
    turns: it runs for every call, and :func:`verdict_from_evidence` puts it in call order.
    """
    if len(docs) != len(transcript.turns):
        raise ValueError("one Doc per turn is required")
    found: dict[str, list[Evidence]] = {"empathy": [], "data_request": [], "opportunity": []}
    for index, (turn, doc) in enumerate(zip(transcript.turns, docs, strict=True)):
        keys = _GROUPS.get(turn.speaker)
        if keys is None:
            continue
        groups = doc.spans
        text = turn.text
        for key in keys:
            group = groups.get(key)
            if group:
                found[key].extend(span_evidence(index, span, text) for span in group)
    return verdict_from_evidence(
        transcript,
        markers=found["empathy"],
        requests=found["data_request"],
        opportunities=found["opportunity"],
    )
