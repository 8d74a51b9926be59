"""The verdict on a call, as a plain value, and the rules that decide it from its evidence.

The rules of the annotation guide, in code:

- ``first_data_request_turn``: the first agent turn with a data request;
- ``opportunity``: a customer opportunity before that turn (anywhere if there is none);
- ``empathy_before_data``: a marker in an earlier turn, or earlier in the same turn; equal to
  ``empathy_shown`` when the agent never asks for data;
- ``straight_to_data``: an opportunity, a data request, and no empathy before it.

A :class:`CallVerdict` is what every layer passes around (the scorer, the parallel wire, the
JSONL and CSV output, the report, the pytest helpers), so this module imports no spaCy: a
verdict is made of plain fields, and :meth:`CallVerdict.to_dict` / :meth:`CallVerdict.from_dict`
are each other's inverse. Turning a pipeline's Docs into evidence is
:mod:`empathy_score.evidence_from_docs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from .transcript import MetaPickles, Transcript, safe_text

__all__ = [
    "ERROR",
    "EVIDENCE_FIELDS",
    "OK",
    "CallVerdict",
    "Evidence",
    "verdict_from_evidence",
]

OK = "ok"
ERROR = "error"

#: The verdict's evidence fields, and the key an item's ``label`` has in a record: a marker or
#: an opportunity has a ``category``, a data request asks for a ``field``.
EVIDENCE_FIELDS: Mapping[str, str] = MappingProxyType(
    {"markers": "category", "data_requests": "field", "opportunities": "category"}
)

_RECORD_HINT = "; expected a verdict record as `empathy-score score` writes"


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
        """As a plain record; ``label_key`` is ``category`` or ``field`` (see
        :data:`EVIDENCE_FIELDS`)."""
        return {label_key if name == "label" else name: getattr(self, name) for name in _EVIDENCE}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], label_key: str) -> Evidence:
        """The evidence a :meth:`to_dict` record describes.

        A record written by hand may leave out ``start`` (0), ``end`` (the end of ``text``),
        the label, the text or the rule (empty).

        Raises
        ------
        ValueError
            If ``turn``, ``start`` or ``end`` is not a whole number.
        """
        turn, start = record.get("turn"), record.get("start", 0)
        if not _is_int(turn) or not _is_int(start):
            raise ValueError("needs a turn number")
        text = str(record.get("text") or "")
        end = record.get("end", start + len(text))
        if not _is_int(end):
            raise ValueError("needs a whole number as its end")
        label = str(record.get(label_key, ""))
        return cls(turn, label, text, start, end, str(record.get("rule") or ""))


_EVIDENCE = tuple(f.name for f in fields(Evidence))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class CallVerdict(MetaPickles):
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
        """The verdict as a JSON-ready record: the same keys as the CLI's JSONL output.

        One key per field, in field order; evidence items name their label as
        :data:`EVIDENCE_FIELDS` says.
        """
        record: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            label_key = EVIDENCE_FIELDS.get(name)
            if label_key is not None:
                value = [e.to_dict(label_key) for e in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            record[name] = value
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], *, where: str = "the record") -> CallVerdict:
        """The verdict a :meth:`to_dict` record describes: ``from_dict(v.to_dict()) == v``.

        Records read back from JSON (``empathy-score score`` output, or written by hand) are
        checked field by field. ``id`` and ``status`` are required; any other field may be left
        out and takes its default (``source`` none). An integer id is taken as its text.

        Raises
        ------
        ValueError
            Saying which field of ``where`` (e.g. ``"verdict 3"``) is wrong and what it must be.
        """
        if not isinstance(record, Mapping):
            raise ValueError(
                f"{where} is a {type(record).__name__}, not a verdict record{_RECORD_HINT}"
            )
        state = {}
        for f in fields(cls):
            if f.name in _REQUIRED or f.default is MISSING:
                value = record.get(f.name)
            else:
                value = record.get(f.name, f.default)
            read = _READERS.get(f.name) or _READERS[f.type]
            try:
                state[f.name] = read(value, f.name)
            except ValueError as err:
                raise ValueError(f"{where}{err}{_RECORD_HINT}") from None
        return cls(**state)

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


_FIELDS = tuple(f.name for f in fields(CallVerdict))
_REQUIRED = ("id", "status")


# How each field is read from a record, by name where the name says more than the type does,
# else by its type. Each reader takes the value and the key; its ValueError message follows
# the record's description ("the record" + message).


def _read_id(value: Any, key: str) -> str:
    if isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    raise ValueError(" has no id")


def _read_status(value: Any, key: str) -> str:
    if value not in (OK, ERROR):
        raise ValueError(f" has status {value!r} (not 'ok' or 'error')")
    return value


def _read_probability(value: Any, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f": {key!r} must be null or in [0, 1]")
    return float(value)


def _read_flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f": {key!r} must be true or false, not {value!r}")
    return value


def _read_text(value: Any, key: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f": {key!r} must be null or text")
    return value


def _read_turn(value: Any, key: str) -> int | None:
    if value is not None and not _is_int(value):
        raise ValueError(f": {key!r} must be null or a turn number")
    return value


def _read_labels(value: Any, key: str) -> tuple[str, ...]:
    labels = value or ()
    if not isinstance(labels, list | tuple) or not all(isinstance(v, str) for v in labels):
        raise ValueError(f": {key!r} must be a list of texts")
    return tuple(labels)


def _read_evidence(value: Any, key: str) -> tuple[Evidence, ...]:
    items = value or ()
    if not isinstance(items, list | tuple) or not all(isinstance(i, Mapping) for i in items):
        raise ValueError(f": {key!r} must be a list of objects")
    try:
        return tuple(Evidence.from_dict(item, EVIDENCE_FIELDS[key]) for item in items)
    except ValueError as err:
        raise ValueError(f": every item of {key!r} {err}") from None


def _read_meta(value: Any, key: str) -> Mapping[str, Any]:
    meta = value or {}
    if not isinstance(meta, Mapping):
        raise ValueError(f": {key!r} must be an object")
    return MappingProxyType(dict(meta))


_READERS: dict[str, Callable[[Any, str], Any]] = {
    "id": _read_id,
    "status": _read_status,
    "straight_to_data_probability": _read_probability,
    "bool": _read_flag,
    "str | None": _read_text,
    "int | None": _read_turn,
    "tuple[str, ...]": _read_labels,
    "tuple[Evidence, ...]": _read_evidence,
    "Mapping[str, Any]": _read_meta,
}


#: Evidence in call order: by turn, then by where in the turn (stable for equal places).
_IN_CALL_ORDER = attrgetter("turn", "start", "end")


def verdict_from_evidence(
    transcript: Transcript,
    *,
    markers: Sequence[Evidence],
    requests: Sequence[Evidence],
    opportunities: Sequence[Evidence],
) -> CallVerdict:
    """The call decisions of the annotation guide (``corpora/README.md``), from what was found
    where in the call."""
    markers = tuple(sorted(markers, key=_IN_CALL_ORDER))
    requests = tuple(sorted(requests, key=_IN_CALL_ORDER))
    opportunities = tuple(sorted(opportunities, key=_IN_CALL_ORDER))
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
