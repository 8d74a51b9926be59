"""Assertion helpers for agent scripts, with failure messages a script writer can act on.

Each helper takes a script as

- a string in the ``.txt`` format (``"Klant: …\\nAgent: …"``); :func:`assert_markers`,
  :func:`assert_no_markers` and :func:`assert_data_request` also take a bare sentence (no
  speaker label on any line), read as one agent turn;
- a :class:`~empathy_score.Transcript`;
- a path (:class:`~pathlib.Path`) to a ``.txt``, ``.json`` or ``.yaml`` script.

Placeholders (``{naam}``, ``{{polisnummer}}``, ``<kenteken>``, ``[naam]``) are made neutral
before scoring (:mod:`empathy_score.testing.placeholders`); messages quote the script as written.

A failure raises :class:`AssertionError` with one short message that names the turn (0-based,
customer and agent turns alike, as in the gold labels of ``corpora/README.md``), quotes the
clause that matters, says what was found and what was missing, and suggests a Dutch phrase that
would pass (``patterns/replies.json``), e.g.::

    turn 1 (agent) asks for policy_number ("Mag ik uw polisnummer?") before any empathy; the
    customer said "Mijn hond is aangereden" in turn 0. Add e.g. an acknowledgement ("Wat
    schrikken…") or a wish ("Ik hoop dat hij het goed maakt") before the request.

For a script read from a file the message starts with ``file:line:``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..components import set_speaker
from ..evidence_from_docs import span_evidence
from ..readers.text import parse_text
from ..rules import LABELS
from ..scorer import EmpathyScorer
from ..transcript import AGENT, DEFAULT_ROLE_ALIASES, Transcript, Turn
from ..verdict import CallVerdict, Evidence
from .placeholders import PLACEHOLDER, mask_transcript
from .scripts import SCRIPT_SUFFIXES, load_script
from .session import shared_scorer
from .suggestions import (
    FIELD_REQUESTS,
    KIND_NAMES,
    MARKER_EXAMPLES,
    packaged_json,
    reply_for,
)

__all__ = [
    "Script",
    "assert_data_request",
    "assert_empathy_before_data",
    "assert_markers",
    "assert_no_markers",
    "assert_not_straight_to_data",
    "assert_script",
]

Script = str | os.PathLike[str] | Transcript
"""What the helpers accept: text, a path, or a parsed transcript."""

_QUOTE_LIMIT = 80
_MIN_CLAUSE_WORDS = 3
_SENTENCE_END = ".?!…"
_CLAUSE_BREAK = ",;:"


@lru_cache(maxsize=1)
def _rejection_reasons() -> tuple[tuple[str, str], ...]:
    """Why the context pass drops a candidate, by rule-id prefix (``patterns/rejections.json``);
    the first prefix that starts the rule id gives the reason."""
    data = packaged_json("rejections.json")
    return tuple((entry["prefix"], entry["reason"]) for entry in data["reasons"])


# --------------------------------------------------------------------------------------------
# Input: text, path or transcript -> scored call
# --------------------------------------------------------------------------------------------

_LABEL_LINE = re.compile(r"^\s*([^:\n]{1,20}):")


def _has_speaker_label(text: str, aliases: Mapping[str, str] | None) -> bool:
    """Whether any line starts with a known speaker label (then it is a transcript)."""
    known = set(DEFAULT_ROLE_ALIASES) | {" ".join(k.split()).casefold() for k in aliases or {}}
    for line in text.splitlines():
        match = _LABEL_LINE.match(line)
        if match and " ".join(match.group(1).split()).casefold() in known:
            return True
    return False


def _as_transcript(item: Script, scorer: EmpathyScorer, *, bare: bool) -> Transcript:
    if isinstance(item, Transcript):
        return item
    if isinstance(item, os.PathLike):
        return load_script(Path(item), aliases=scorer.aliases)
    if isinstance(item, str):
        name = item.strip()
        if name.lower().endswith((*SCRIPT_SUFFIXES, ".jsonl")) and not any(
            char.isspace() for char in name
        ):
            raise ValueError(
                f"{item!r} looks like a file name, but a string is read as the script's text; "
                f"pass Path({item!r}) to read the file"
            )
        if bare and not _has_speaker_label(item, scorer.aliases):
            sentence = " ".join(item.split())
            if not sentence:
                raise ValueError("the script is empty")
            return Transcript(id="text", turns=(Turn(AGENT, sentence),))
        return parse_text(item, aliases=scorer.aliases)
    raise TypeError(f"cannot check a {type(item).__name__}; give text, a Path or a Transcript")


@dataclass(frozen=True)
class _Scored:
    """A call, its placeholder-free twin (what was scored) and the verdict."""

    transcript: Transcript
    masked: Transcript
    verdict: CallVerdict
    scorer: EmpathyScorer

    @property
    def agent_turns(self) -> list[int]:
        return [i for i, turn in enumerate(self.transcript.turns) if turn.speaker == AGENT]

    def rejected(self, key: str, labels: Iterable[str]) -> list[tuple[Evidence, str]]:
        """Candidates of ``labels`` that the context rules dropped, with the dropping rule."""
        wanted = set(labels)
        nlp = self.scorer.nlp
        docs = nlp.pipe(set_speaker(nlp.make_doc(t.text), t.speaker) for t in self.masked.turns)
        found: dict[tuple[int, int, int], tuple[Evidence, str]] = {}
        for index, doc in enumerate(docs):
            for span_key, span, rule in doc._.empathy_rejected or ():
                if span_key != key or span.label_ not in wanted:
                    continue
                evidence = span_evidence(index, span)
                found.setdefault((index, span.start_char, span.end_char), (evidence, rule))
        return [found[k] for k in sorted(found)]


def _score(item: Script, scorer: EmpathyScorer | None, *, bare: bool = False) -> _Scored:
    scorer = scorer if scorer is not None else shared_scorer()
    transcript = _as_transcript(item, scorer, bare=bare)
    masked = mask_transcript(transcript)
    return _Scored(transcript, masked, scorer.score_transcript(masked), scorer)


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def _is_break(text: str, index: int, chars: str) -> bool:
    """A sentence or clause boundary: the character, then white space or the end."""
    if text[index] not in chars:
        return False
    return text[index] == "…" or index + 1 == len(text) or text[index + 1].isspace()


def _trim(text: str, start: int, end: int, lo: int, hi: int) -> str:
    """``text[lo:hi]`` cut down to the limit around ``[start, end)``, with "…" where cut."""
    if hi - lo <= _QUOTE_LIMIT:
        return text[lo:hi].strip()
    room = max(_QUOTE_LIMIT - (end - start), 0)
    left = max(lo, start - room // 2)
    right = min(hi, left + max(_QUOTE_LIMIT, end - start))
    left = max(lo, min(left, right - _QUOTE_LIMIT))
    if left > lo:  # cut at a word boundary
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < hi:
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    piece = text[left:right].strip()
    return ("…" if left > lo else "") + piece + ("…" if right < hi else "")


def _quote_span(text: str, start: int, end: int) -> str:
    """The clause around ``text[start:end]`` (the sentence if the clause is very short)."""
    lo = start
    while lo > 0 and not _is_break(text, lo - 1, _SENTENCE_END):
        lo -= 1
    hi = max(end - 1, start)  # the evidence may end with the sentence's own "?"
    while hi < len(text) and not _is_break(text, hi, _SENTENCE_END):
        hi += 1
    while hi < len(text) and text[hi] in _SENTENCE_END:
        hi += 1
    c_lo = start
    while c_lo > lo and not _is_break(text, c_lo - 1, _CLAUSE_BREAK):
        c_lo -= 1
    c_hi = end
    while c_hi < hi and not _is_break(text, c_hi, _CLAUSE_BREAK):
        c_hi += 1
    if len(text[c_lo:c_hi].split()) >= _MIN_CLAUSE_WORDS:
        lo, hi = c_lo, c_hi
    while lo < start and text[lo].isspace():
        lo += 1
    return _trim(text, start, end, lo, min(max(hi, end), len(text)))


def _quote(scored: _Scored, evidence: Evidence) -> str:
    text = scored.transcript.turns[evidence.turn].text
    return f'"{_quote_span(text, evidence.start, evidence.end)}"'


def _quote_turn(scored: _Scored, index: int) -> str:
    text = scored.transcript.turns[index].text
    return f'"{_trim(text, 0, 0, 0, len(text))}"'


def _where(scored: _Scored, index: int | None = None) -> str:
    """``file:line: `` for a script read from a file, else nothing."""
    source = scored.transcript.source
    if source is None:
        return ""
    line = scored.transcript.turns[index].line if index is not None else None
    return f"{source}:{line}: " if line is not None else f"{source}: "


def _turn(scored: _Scored, index: int) -> str:
    return f"turn {index} ({scored.transcript.turns[index].speaker})"


def _agent_scope(scored: _Scored) -> tuple[str, str, int | None]:
    """How to name the agent turns: (phrase, verb 'has'/'have', the one turn or None)."""
    agent = scored.agent_turns
    if not agent:
        raise AssertionError(
            f"{_where(scored)}the script has no agent turn; empathy markers and data requests "
            "are only found in what the agent says (label lines 'Agent:' or 'Medewerker:')"
        )
    if len(agent) == 1:
        index = agent[0]
        return f"{_turn(scored, index)} {_quote_turn(scored, index)}", "has", index
    return f"the agent turns ({', '.join(map(str, agent))})", "have", None


def _found(scored: _Scored, items: Iterable[Evidence], *, turn_quoted: bool) -> str:
    """``label ("…")`` per finding: its words if the turn is quoted already, else its clause."""
    parts = []
    for evidence in items:
        if turn_quoted:
            words = scored.transcript.turns[evidence.turn].text[evidence.start : evidence.end]
            parts.append(f'{evidence.label} ("{words}")')
        else:
            parts.append(f"{evidence.label} ({_quote(scored, evidence)}, turn {evidence.turn})")
    return ", ".join(parts)


def _rejections(scored: _Scored, key: str, labels: Iterable[str]) -> str:
    """``; "…" in turn 1 was not counted: it is negated (rule neg.ack)`` for dropped candidates."""
    notes = []
    previous: Evidence | None = None
    reasons = _rejection_reasons()
    for evidence, rule in scored.rejected(key, labels):
        overlaps = previous is not None and (evidence.turn, evidence.start) < (
            previous.turn,
            previous.end,
        )
        if overlaps:  # overlapping candidates dropped by the same context: name one
            continue
        previous = evidence
        why = next((text for prefix, text in reasons if rule.startswith(prefix)), None)
        reason = f"{why} (rule {rule})" if why else f"rule {rule} dropped it"
        words = scored.transcript.turns[evidence.turn].text[evidence.start : evidence.end]
        notes.append(f'; "{words}" in turn {evidence.turn} was not counted: {reason}')
    return "".join(notes[:2])


def _suggest(pairs: Iterable[tuple[str, str]], joiner: str = "or") -> str:
    return f" {joiner} ".join(f'{KIND_NAMES[category]} ("{phrase}")' for category, phrase in pairs)


def _straight_message(scored: _Scored) -> str:
    """A data request with no empathy before it: what, where, and what to say first."""
    verdict = scored.verdict
    request = verdict.data_requests[0]
    asks = (
        f"{_where(scored, request.turn)}{_turn(scored, request.turn)} asks for "
        f"{request.label} ({_quote(scored, request)})"
    )
    message = f"{asks} before any empathy"
    opportunity = next((o for o in verdict.opportunities if o.turn < request.turn), None)
    if opportunity is not None:
        message += f"; the customer said {_quote(scored, opportunity)} in turn {opportunity.turn}"
    if verdict.markers:
        marker = verdict.markers[0]
        return (
            f"{message}. The first empathy comes after it: {marker.label} "
            f"({_quote(scored, marker)}, turn {marker.turn}); move it before the request."
        )
    replies = reply_for(o.label for o in verdict.opportunities if o.turn < request.turn)
    return f"{message}. Add e.g. {_suggest(replies)} before the request."


def _names(value: str | Iterable[str] | None, family: str, what: str) -> list[str]:
    """Validate category or field names given by the test writer (a usage error otherwise)."""
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    known = LABELS[family]
    for name in names:
        if name not in known:
            raise ValueError(f"unknown {what} {name!r} (known: {', '.join(sorted(known))})")
    return sorted(set(names), key=names.index)


# --------------------------------------------------------------------------------------------
# Checks: a message if the check fails, else None (shared by the helpers and assert_script)
# --------------------------------------------------------------------------------------------


def _check_empathy_before_data(scored: _Scored) -> str | None:
    verdict = scored.verdict
    if verdict.empathy_before_data:
        return None
    if verdict.data_requests:
        return _straight_message(scored)
    scope, verb, index = _agent_scope(scored)
    message = f"{_where(scored, index)}{scope} {verb} no empathy marker (and no data request)"
    opportunity = verdict.opportunities[0] if verdict.opportunities else None
    if opportunity is not None:
        message += f"; the customer said {_quote(scored, opportunity)} in turn {opportunity.turn}"
    replies = reply_for(o.label for o in verdict.opportunities)
    message += _rejections(scored, "empathy", LABELS["empathy"])
    return f"{message}. Add e.g. {_suggest(replies)}."


def _check_not_straight_to_data(scored: _Scored) -> str | None:
    return _straight_message(scored) if scored.verdict.straight_to_data else None


def _check_markers(scored: _Scored, categories: list[str]) -> str | None:
    found = {marker.label for marker in scored.verdict.markers}
    missing = [c for c in categories if c not in found] if categories else []
    if found and not missing:
        return None
    scope, verb, index = _agent_scope(scored)
    wanted = " or ".join(missing) + " marker" if missing else "empathy marker"
    message = f"{_where(scored, index)}{scope} {verb} no {wanted}"
    if scored.verdict.markers:
        turn_quoted = index is not None
        message += f"; found {_found(scored, scored.verdict.markers, turn_quoted=turn_quoted)}"
    message += _rejections(scored, "empathy", missing or LABELS["empathy"])
    add = missing or ["acknowledge_feelings", "wish_well"]
    joiner = "and" if missing else "or"
    return f"{message}. Add e.g. {_suggest(((c, MARKER_EXAMPLES[c]) for c in add), joiner)}."


def _check_no_markers(scored: _Scored, categories: list[str]) -> str | None:
    markers = [m for m in scored.verdict.markers if not categories or m.label in categories]
    if not markers:
        return None
    first = markers[0]
    words = scored.transcript.turns[first.turn].text[first.start : first.end]
    what = " or ".join(categories) + " markers" if categories else "empathy markers"
    clause = _quote(scored, first)
    context = f" in {clause}" if clause != f'"{words}"' else ""
    message = (
        f"{_where(scored, first.turn)}expected no {what}, but {_turn(scored, first.turn)} has "
        f'{first.label} "{words}"{context} (rule {first.rule})'
    )
    if len(markers) > 1:
        message += f", and {len(markers) - 1} more"
    return message + "."


def _check_data_request(scored: _Scored, field: str) -> str | None:
    requests = scored.verdict.data_requests
    if any(request.label == field for request in requests):
        return None
    scope, verb, index = _agent_scope(scored)
    does = "does" if verb == "has" else "do"
    message = f"{_where(scored, index)}{scope} {does} not ask for {field}"
    if requests:
        message += f"; found {_found(scored, requests, turn_quoted=index is not None)}"
    message += _rejections(scored, "data_request", [field])
    return f'{message}. Ask e.g. "{FIELD_REQUESTS[field]}".'


# --------------------------------------------------------------------------------------------
# The helpers
# --------------------------------------------------------------------------------------------


def _fail(scored: _Scored, message: str | None) -> None:
    """Raise the message, noting the placeholders if the script has any."""
    __tracebackhide__ = True
    if message is None:
        return
    if scored.masked is not scored.transcript:
        found = list(
            dict.fromkeys(
                match.group()
                for turn in scored.transcript.turns
                for match in PLACEHOLDER.finditer(turn.text)
            )
        )
        shown = ", ".join(found[:3]) + (", …" if len(found) > 3 else "")
        message += f" (Placeholders such as {shown} are read as neutral words.)"
    raise AssertionError(message)


def assert_empathy_before_data(script: Script, *, scorer: EmpathyScorer | None = None) -> None:
    """Assert that the agent shows empathy before the first data request.

    As the annotation guide defines ``empathy_before_data`` (``corpora/README.md``,
    "Annotation guide"): a marker in an earlier turn, or earlier in the same turn. With no
    data request at all, the agent must still show empathy somewhere.

    Parameters
    ----------
    script
        ``.txt``-format text, a :class:`~empathy_score.Transcript`, or a path.
    scorer
        The scorer to use; default: the one shared by the test run.

    Raises
    ------
    AssertionError
        Naming the first request (or the agent turns), quoting it, and suggesting what to say.
    """
    __tracebackhide__ = True
    scored = _score(script, scorer)
    _fail(scored, _check_empathy_before_data(scored))


def assert_not_straight_to_data(script: Script, *, scorer: EmpathyScorer | None = None) -> None:
    """Assert that the script does not go "straight to the policy number".

    Fails only when the customer voiced distress before the first data request and the agent
    showed no empathy before it (``straight_to_data``); a script without an opportunity for
    empathy passes. Use :func:`assert_empathy_before_data` for the stricter standard.
    """
    __tracebackhide__ = True
    scored = _score(script, scorer)
    _fail(scored, _check_not_straight_to_data(scored))


def assert_markers(
    script: Script,
    categories: str | Iterable[str] | None = None,
    *,
    scorer: EmpathyScorer | None = None,
) -> None:
    """Assert that the agent turns hold a marker of every given category (others may be there too).

    Parameters
    ----------
    script
        ``.txt``-format text, a bare sentence (one agent turn), a transcript or a path.
    categories
        ``acknowledge_feelings``, ``wish_well``, ``ask_wellbeing`` (one name or several);
        ``None`` asks for at least one marker of any category.

    Raises
    ------
    ValueError
        On an unknown category (a mistake in the test, not in the script).
    AssertionError
        Saying which categories are missing, what was found instead, and what to add.
    """
    __tracebackhide__ = True
    wanted = _names(categories, "empathy", "marker category")
    scored = _score(script, scorer, bare=True)
    _fail(scored, _check_markers(scored, wanted))


def assert_no_markers(
    script: Script,
    categories: str | Iterable[str] | None = None,
    *,
    scorer: EmpathyScorer | None = None,
) -> None:
    """Assert that the agent turns hold no empathy marker (of the given categories, if any).

    For templates that must stay neutral, and for phrases that only look empathic (a reproach,
    "excuses voor het wachten"). The message names the rule that fired.
    """
    __tracebackhide__ = True
    wanted = _names(categories, "empathy", "marker category")
    scored = _score(script, scorer, bare=True)
    _fail(scored, _check_no_markers(scored, wanted))


def assert_data_request(script: Script, field: str, *, scorer: EmpathyScorer | None = None) -> None:
    """Assert that an agent turn asks for ``field`` (e.g. ``"policy_number"``).

    A confirmation ("dus AB-123-C, klopt dat?") or a field named in passing is not a request;
    the message says so when that is why the check failed.

    Raises
    ------
    ValueError
        On an unknown field name.
    AssertionError
        Saying what was asked for instead and how to ask for ``field``.
    """
    __tracebackhide__ = True
    (field,) = _names(field, "data_request", "data field")
    scored = _score(script, scorer, bare=True)
    _fail(scored, _check_data_request(scored, field))


def assert_script(script: Script, *, scorer: EmpathyScorer | None = None) -> None:
    """Check a script against its ``expect`` block (see :mod:`empathy_score.testing.scripts`).

    Without one, the script must not go straight to data. Every failed expectation is reported,
    one per line.
    """
    __tracebackhide__ = True
    scored = _score(script, scorer)
    expect = dict(scored.transcript.meta.get("expect") or {"straight_to_data": False})
    failures = []
    for key, value in expect.items():
        if key == "markers":
            failures.append(_check_markers(scored, _names(value, "empathy", "marker category")))
        elif key == "no_markers":
            failures.append(_check_no_markers(scored, []))
        elif key == "data_requests":
            for field in _names(value, "data_request", "data field"):
                failures.append(_check_data_request(scored, field))
        elif key in ("empathy_before_data", "straight_to_data"):
            failures.append(_check_flag(scored, key, value))
        else:
            raise ValueError(f"unknown expectation {key!r}")
    _fail(scored, "\n".join(f for f in failures if f) or None)


def _check_flag(scored: _Scored, key: str, expected: bool) -> str | None:
    actual = getattr(scored.verdict, key)
    if actual == expected:
        return None
    if key == "empathy_before_data" and expected:
        return _check_empathy_before_data(scored)
    if key == "straight_to_data" and not expected:
        return _straight_message(scored)
    return f"{_where(scored)}expected {key}: {str(expected).lower()}; {scored.verdict.reason()}"
