"""From per-turn spans to a call verdict, following ``ANNOTATION.md`` to the letter.

The rules of the annotation guide, in code:

- ``first_data_request_turn``: the first agent turn with a data request;
- ``opportunity``: a customer opportunity before that turn (anywhere if there is none);
- ``empathy_before_data``: a marker in an earlier turn, or earlier in the same turn; equal to
  ``empathy_shown`` when the agent never asks for data;
- ``straight_to_data``: an opportunity, a data request, and no empathy before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from spacy.tokens import Doc

from .transcript import AGENT, CUSTOMER, Transcript, _MetaPickles, safe_text

__all__ = ["ERROR", "OK", "CallVerdict", "Evidence", "decide", "verdict_from_evidence"]

OK = "ok"
ERROR = "error"


@dataclass(frozen=True)
class Evidence:
    """One thing the pipeline found: where (turn, character offsets), what, and which rule."""

    turn: int
    label: str  # marker category, data field or opportunity type
    text: str
    start: int
    end: int
    rule: str

    def to_dict(self, label_key: str) -> dict[str, Any]:
        """As a plain record; ``label_key`` is ``category`` or ``field``."""
        return {
            "turn": self.turn,
            label_key: self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class CallVerdict(_MetaPickles):
    """The verdict on one call. A call with no opportunity is *not applicable*, not a failure.

    ``status`` is ``"ok"`` for a scored call and ``"error"`` for one that could not be read or
    scored (``error`` then says why, naming the file and line). Verdicts can be pickled.
    """

    id: str
    source: str | None
    status: str = OK
    error: str | None = None
    opportunity: bool = False
    empathy_shown: bool = False
    empathy_before_data: bool = False
    straight_to_data: bool = False
    straight_to_data_probability: float | None = None
    first_data_request_turn: int | None = None
    data_fields: tuple[str, ...] = ()
    markers: tuple[Evidence, ...] = ()
    data_requests: tuple[Evidence, ...] = ()
    opportunities: tuple[Evidence, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def ok(self) -> bool:
        return self.status == OK

    @classmethod
    def from_error(
        cls, error: BaseException | str, *, id: str, source: str | None = None
    ) -> CallVerdict:
        """A verdict that records why a call could not be scored, so a batch loses nothing.

        Its text is made writable: a file name that is not UTF-8 brings lone surrogates.
        """
        return cls(
            id=safe_text(id),
            source=safe_text(source) if source is not None else None,
            status=ERROR,
            error=safe_text(str(error)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The verdict as a JSON-ready record: the same keys as the CLI's JSONL output."""
        return {
            "id": self.id,
            "source": self.source,
            "status": self.status,
            "error": self.error,
            "opportunity": self.opportunity,
            "empathy_shown": self.empathy_shown,
            "empathy_before_data": self.empathy_before_data,
            "straight_to_data": self.straight_to_data,
            "straight_to_data_probability": self.straight_to_data_probability,
            "first_data_request_turn": self.first_data_request_turn,
            "data_fields": list(self.data_fields),
            "markers": [m.to_dict("category") for m in self.markers],
            "data_requests": [r.to_dict("field") for r in self.data_requests],
            "opportunities": [o.to_dict("category") for o in self.opportunities],
            "meta": dict(self.meta),
        }

    def reason(self) -> str:
        """One sentence saying why the call got its verdict."""
        if not self.ok:
            return f"Not scored: {self.error}"
        if not self.opportunity:
            return (
                "Not applicable: the customer voiced no distressing event or feeling before the "
                "first data request."
            )
        first_opp = self.opportunities[0] if self.opportunities else None
        opp = f'the customer said "{first_opp.text}" in turn {first_opp.turn}' if first_opp else ""
        if self.first_data_request_turn is None:
            shown = (
                "and the agent showed empathy"
                if self.empathy_shown
                else ("and the agent showed no empathy")
            )
            return f"No data was asked for; {opp} {shown}."
        request = next(r for r in self.data_requests if r.turn == self.first_data_request_turn)
        if self.straight_to_data:
            return (
                f"Straight to data: {opp}, and turn {request.turn} asks for {request.label} "
                f'("{request.text}") before any empathy.'
            )
        marker = self.markers[0]
        return (
            f"Empathy first: {opp}, and the agent showed {marker.label} "
            f'("{marker.text}", turn {marker.turn}) before asking for {request.label}.'
        )


def _evidence(docs: Sequence[Doc], turns: Sequence[int], key: str) -> tuple[Evidence, ...]:
    found = []
    for index in turns:
        group = docs[index].spans.get(key)
        if not group:
            continue
        for span in group:
            found.append(
                Evidence(
                    turn=index,
                    label=span.label_,
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    rule=span.id_,
                )
            )
    found.sort(key=lambda e: (e.turn, e.start, e.end))
    return tuple(found)


def decide(transcript: Transcript, docs: Sequence[Doc]) -> CallVerdict:
    """Turn the analysed turns of one call into its verdict (rules only)."""
    if len(docs) != len(transcript.turns):
        raise ValueError("one Doc per turn is required")
    agent = [i for i, t in enumerate(transcript.turns) if t.speaker == AGENT]
    customer = [i for i, t in enumerate(transcript.turns) if t.speaker == CUSTOMER]
    return verdict_from_evidence(
        transcript,
        markers=_evidence(docs, agent, "empathy"),
        requests=_evidence(docs, agent, "data_request"),
        opportunities=_evidence(docs, customer, "opportunity"),
    )


def verdict_from_evidence(
    transcript: Transcript,
    *,
    markers: Sequence[Evidence],
    requests: Sequence[Evidence],
    opportunities: Sequence[Evidence],
) -> CallVerdict:
    """The call decisions of ``ANNOTATION.md``, from what was found where in the call."""

    def order(e: Evidence) -> tuple[int, int, int]:
        return (e.turn, e.start, e.end)

    markers = tuple(sorted(markers, key=order))
    requests = tuple(sorted(requests, key=order))
    opportunities = tuple(sorted(opportunities, key=order))
    first_request = requests[0] if requests else None
    empathy_shown = bool(markers)
    if first_request is None:
        opportunity = bool(opportunities)
        empathy_before_data = empathy_shown
    else:
        opportunity = any(o.turn < first_request.turn for o in opportunities)
        empathy_before_data = any(
            (m.turn, m.start) < (first_request.turn, first_request.start) for m in markers
        )
    return CallVerdict(
        id=transcript.id,
        source=transcript.source,
        opportunity=opportunity,
        empathy_shown=empathy_shown,
        empathy_before_data=empathy_before_data,
        straight_to_data=opportunity and first_request is not None and not empathy_before_data,
        first_data_request_turn=first_request.turn if first_request else None,
        data_fields=tuple(sorted({r.label for r in requests})),
        markers=markers,
        data_requests=requests,
        opportunities=opportunities,
        meta=transcript.meta,
    )
