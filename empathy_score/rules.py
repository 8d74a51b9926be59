"""Reading and validating rule data: pattern files, the lexicon they draw on, context rules.

Rules are data, not code. Every pattern file is JSON Lines in spaCy's ``{"label", "pattern",
"id"}`` shape (plus an optional ``description``), one file per family (``empathy``,
``data_request``, ``opportunity``), kept inside the package and found with
:mod:`importlib.resources`. The packaged files are plain JSON Lines that any JSON Lines reader
(``srsly.read_jsonl``) reads; a user's own file may also hold ``//`` comment lines, which are
skipped. String patterns may use slots that expand
to many phrases, so that word lists become cheap :class:`~spacy.matcher.PhraseMatcher` phrases
instead of costly token patterns:

- ``{name}`` – any entry of the lexicon list ``name`` (``patterns/lexicon.json``);
- ``{a|b|c}`` – inline alternatives;
- a trailing ``?`` (``{name?}``, ``{a|b?}``) makes the slot optional;
- slots nest: ``{al {twee|drie} keer|vaak}``.

Everything is validated on load; an error names the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import PatternError

__all__ = [
    "FAMILIES",
    "LABELS",
    "ContextRule",
    "expand_phrase",
    "load_lexicon",
    "read_context_rules",
    "read_patterns",
]

#: The rule families, the span group each writes, and the labels it may use.
FAMILIES: tuple[str, ...] = ("empathy", "data_request", "opportunity")

LABELS: Mapping[str, frozenset[str]] = {
    "empathy": frozenset({"acknowledge_feelings", "wish_well", "ask_wellbeing"}),
    "data_request": frozenset(
        {
            "policy_number",
            "license_plate",
            "customer_number",
            "date_of_birth",
            "address",
            "iban",
            "order_number",
            "contract_number",
            "claim_number",
            "phone",
            "email",
            "name",
            "bsn",
            "meter",
            "other_id",
        }
    ),
    "opportunity": frozenset(
        {
            "illness",
            "accident",
            "injury",
            "death",
            "damage",
            "burglary",
            "fraud",
            "fear",
            "shock",
            "grief",
            "anger",
            "frustration",
            "worry",
            "loss",  # a lost card, wallet, keys or phone
            "money",  # cannot pay, overdrawn, double debits, fines
            "waiting",  # waiting long, calling again and again
            "distress",  # a learned detection whose type is not known
        }
    ),
}

_PATTERN_KEYS = frozenset({"label", "pattern", "id", "description"})
_CONTEXT_KEYS = frozenset(
    {"id", "pattern", "effect", "direction", "window", "targets", "description"}
)
_EFFECTS = frozenset({"exclude", "require", "share", "terminate"})
_DIRECTIONS = frozenset({"preceding", "following", "both"})
#: More phrases than this from one pattern is almost certainly a mistake in the data.
MAX_EXPANSION = 50_000

PACKAGE_PATTERNS = "empathy_score.patterns"


def _package_file(name: str):
    return resources.files(PACKAGE_PATTERNS).joinpath(name)


def load_lexicon(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """Read the slot lexicon (JSON: ``name -> [phrases]``); the packaged one by default."""
    source = _package_file("lexicon.json") if path is None else Path(path)
    where = str(path) if path is not None else "empathy_score/patterns/lexicon.json"
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise PatternError(f"invalid JSON: {err.msg}", path=where, line=err.lineno) from None
    except OSError as err:
        raise PatternError(f"cannot read lexicon: {err.strerror}", path=where) from None
    if not isinstance(data, dict):
        raise PatternError("the lexicon must be a JSON object of name -> list", path=where)
    lexicon: dict[str, tuple[str, ...]] = {}
    for name, entries in data.items():
        if name.startswith("_"):  # "_comment" and the like
            continue
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise PatternError(f"lexicon entry {name!r} must be a list of strings", path=where)
        lexicon[name] = tuple(dict.fromkeys(e.strip().lower() for e in entries))
    return lexicon


def expand_phrase(template: str, lexicon: Mapping[str, Sequence[str]]) -> list[str]:
    """All phrases a string pattern stands for, with slots filled in (see module docstring).

    Slots nest: ``{al {twee|drie} keer|vaak}``. Raises ``KeyError`` for an unknown slot name
    and ``ValueError`` for unbalanced braces or an expansion over :data:`MAX_EXPANSION`;
    :func:`read_patterns` turns both into a :class:`PatternError`.
    """
    phrases, pos = _expand_seq(template, 0, lexicon)
    if pos != len(template):
        raise ValueError(f"unbalanced '}}' at character {pos + 1}")
    cleaned = (" ".join(p.split()).lower() for p in phrases)
    return list(dict.fromkeys(p for p in cleaned if p))


def _expand_seq(text: str, pos: int, lexicon: Mapping[str, Sequence[str]]) -> tuple[list[str], int]:
    """Expand from ``pos`` up to an unmatched ``|`` or ``}`` (or the end)."""
    results = [""]
    literal = ""
    while pos < len(text) and text[pos] not in "|}":
        if text[pos] != "{":
            literal += text[pos]
            pos += 1
            continue
        results = [r + literal for r in results]
        literal = ""
        options, pos = _expand_group(text, pos + 1, lexicon)
        if len(results) * len(options) > MAX_EXPANSION:
            raise ValueError(f"expands to more than {MAX_EXPANSION} phrases")
        results = [r + " " + o + " " for r in results for o in options]
    return [r + literal for r in results], pos


def _expand_group(
    text: str, pos: int, lexicon: Mapping[str, Sequence[str]]
) -> tuple[list[str], int]:
    """Expand a ``{...}`` group whose body starts at ``pos``; return options and the next pos."""
    body_start = pos
    options: list[str] = []
    while True:
        alternative, pos = _expand_seq(text, pos, lexicon)
        options.extend(alternative)
        if pos >= len(text):
            raise ValueError(f"unclosed '{{' at character {body_start}")
        if text[pos] == "}":
            break
        pos += 1  # skip "|"
    body = text[body_start:pos]
    optional = body.rstrip().endswith("?")
    if optional:
        options = [o.rstrip().removesuffix("?") for o in options]
    if "|" not in body and "{" not in body:  # a lexicon slot: {name} or {name?}
        options = list(lexicon[body.strip().rstrip("?").strip()])
    if optional:
        options.append("")
    return options, pos + 1


def _unknown_slot(name: str) -> str:
    return (
        f"unknown lexicon slot {name!r}: a single word in braces names a list in lexicon.json; "
        f"for the word itself, optional, write {{{name}|}}"
    )


def _read_jsonl(source, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` per JSON object in a JSON Lines file.

    Blank lines and lines starting with ``//`` are skipped: the packaged files have none, but
    pattern files written for earlier versions used ``//`` for comments and still load.
    """
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as err:
        raise PatternError(f"cannot read pattern file: {err.strerror}", path=where) from None
    except UnicodeDecodeError:
        raise PatternError("pattern files must be UTF-8", path=where) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise PatternError(f"invalid JSON: {err.msg}", path=where, line=number) from None
        if not isinstance(record, dict):
            raise PatternError("each line must be a JSON object", path=where, line=number)
        description = record.get("description", "")
        if not isinstance(description, str):
            raise PatternError("description must be a string", path=where, line=number)
        yield number, record


TokenPatternCheck = Callable[[list[dict[str, Any]]], None]
"""Validates a token pattern as its matcher will, raising ``ValueError`` (see ``read_patterns``)."""


def _check_token_pattern(
    pattern: Any, where: str, number: int, check: TokenPatternCheck | None
) -> None:
    if not pattern or not all(isinstance(t, dict) for t in pattern):
        raise PatternError(
            "a token pattern must be a non-empty list of objects", path=where, line=number
        )
    if check is not None:
        try:
            check(pattern)
        except ValueError as err:
            raise PatternError(str(err), path=where, line=number) from None


def read_patterns(
    family: str,
    path: str | Path | None = None,
    *,
    lexicon: Mapping[str, Sequence[str]] | None = None,
    check_token_pattern: TokenPatternCheck | None = None,
) -> list[dict[str, Any]]:
    """Read one family's pattern file and return SpanRuler patterns, string patterns expanded.

    A record's ``description`` documents the rule for people; the returned patterns keep
    SpanRuler's ``{"label", "pattern", "id"}`` shape without it.

    Parameters
    ----------
    family:
        ``"empathy"``, ``"data_request"`` or ``"opportunity"``: decides which labels are valid.
    path:
        A user's own pattern file; the packaged ``patterns/<family>.jsonl`` when omitted.
    lexicon:
        Slot lexicon for expansion; the packaged one when omitted.
    check_token_pattern:
        Validates a token pattern the way its matcher will (spaCy's schema): a ``ValueError``
        it raises becomes a :class:`PatternError` naming the file and line, instead of an
        error from deep in spaCy that names neither. This module does not import spaCy, so
        without it a token pattern is only checked for its shape.
    """
    if family not in LABELS:
        raise PatternError(f"unknown rule family {family!r} (known: {', '.join(FAMILIES)})")
    source = _package_file(f"{family}.jsonl") if path is None else Path(path)
    where = str(path) if path is not None else f"empathy_score/patterns/{family}.jsonl"
    lexicon = load_lexicon() if lexicon is None else lexicon
    patterns: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, record in _read_jsonl(source, where):
        unknown = set(record) - _PATTERN_KEYS
        if unknown:
            raise PatternError(
                f"unknown key(s) {sorted(unknown)}; "
                "a pattern has only label, pattern, id and description",
                path=where,
                line=number,
            )
        label, pattern, rule_id = record.get("label"), record.get("pattern"), record.get("id")
        if label not in LABELS[family]:
            raise PatternError(
                f"label {label!r} is not a {family} label ({', '.join(sorted(LABELS[family]))})",
                path=where,
                line=number,
            )
        if not isinstance(rule_id, str) or not rule_id:
            raise PatternError("every pattern needs a non-empty string id", path=where, line=number)
        if rule_id in seen and seen[rule_id] != number:
            raise PatternError(
                f"duplicate id {rule_id!r} (first on line {seen[rule_id]})", path=where, line=number
            )
        seen[rule_id] = number
        if isinstance(pattern, str):
            try:
                phrases = expand_phrase(pattern, lexicon)
            except KeyError as err:
                raise PatternError(_unknown_slot(err.args[0]), path=where, line=number) from None
            except ValueError as err:
                raise PatternError(str(err), path=where, line=number) from None
            patterns.extend({"label": label, "pattern": p, "id": rule_id} for p in phrases)
        elif isinstance(pattern, list):
            _check_token_pattern(pattern, where, number, check_token_pattern)
            patterns.append({"label": label, "pattern": pattern, "id": rule_id})
        else:
            raise PatternError(
                "pattern must be a string (phrase) or a list (token pattern)",
                path=where,
                line=number,
            )
    return patterns


@dataclass(frozen=True)
class ContextRule:
    """A trigger that changes the fate of nearby candidate spans (ConText-style).

    ``effect`` is ``exclude`` (a candidate in scope is dropped: negation, reproach,
    confirmation), ``require`` (a targeted candidate is kept only with such a trigger in scope:
    request cues around a field name), ``share`` (a targeted candidate that lacks its required
    cue shares the cue that follows the next candidate, when only these triggers stand between
    them: lists) or ``terminate`` (scope stops here: sentence ends).
    ``targets`` are pattern-id prefixes the rule applies to; ``description`` says in words what
    the rule is for (empty when the file gives none).
    """

    id: str
    phrases: tuple[str, ...]
    token_pattern: tuple[Mapping[str, Any], ...] | None
    effect: str
    direction: str
    window: int
    targets: tuple[str, ...]
    description: str = ""

    def applies_to(self, pattern_id: str) -> bool:
        return any(pattern_id.startswith(prefix) for prefix in self.targets)


def read_context_rules(
    path: str | Path | None = None,
    *,
    lexicon: Mapping[str, Sequence[str]] | None = None,
    check_token_pattern: TokenPatternCheck | None = None,
) -> list[ContextRule]:
    """Read context rules (``patterns/context.jsonl`` by default), validated, phrases expanded.

    ``check_token_pattern`` is as for :func:`read_patterns`.
    """
    source = _package_file("context.jsonl") if path is None else Path(path)
    where = str(path) if path is not None else "empathy_score/patterns/context.jsonl"
    lexicon = load_lexicon() if lexicon is None else lexicon
    rules: list[ContextRule] = []
    ids: set[str] = set()
    for number, record in _read_jsonl(source, where):
        unknown = set(record) - _CONTEXT_KEYS
        if unknown:
            raise PatternError(f"unknown key(s) {sorted(unknown)}", path=where, line=number)
        rule_id = record.get("id")
        if not isinstance(rule_id, str) or not rule_id or rule_id in ids:
            raise PatternError("every rule needs a unique string id", path=where, line=number)
        ids.add(rule_id)
        effect = record.get("effect")
        if effect not in _EFFECTS:
            raise PatternError(
                f"effect must be one of {sorted(_EFFECTS)}, not {effect!r}", path=where, line=number
            )
        direction = record.get("direction", "both")
        if direction not in _DIRECTIONS:
            raise PatternError(
                f"direction must be one of {sorted(_DIRECTIONS)}", path=where, line=number
            )
        window = record.get("window", 0)
        if not isinstance(window, int) or window < 0:
            raise PatternError("window must be a whole number ≥ 0", path=where, line=number)
        targets = record.get("targets", [])
        if effect != "terminate" and (
            not isinstance(targets, list)
            or not targets
            or not all(isinstance(t, str) for t in targets)
        ):
            raise PatternError(
                "targets must be a non-empty list of pattern-id prefixes", path=where, line=number
            )
        pattern = record.get("pattern")
        phrases: tuple[str, ...] = ()
        token_pattern = None
        if isinstance(pattern, str):
            try:
                phrases = tuple(expand_phrase(pattern, lexicon))
            except KeyError as err:
                raise PatternError(_unknown_slot(err.args[0]), path=where, line=number) from None
            except ValueError as err:
                raise PatternError(str(err), path=where, line=number) from None
        elif isinstance(pattern, list):
            _check_token_pattern(pattern, where, number, check_token_pattern)
            token_pattern = tuple(pattern)
        else:
            raise PatternError(
                "pattern must be a string or a token pattern", path=where, line=number
            )
        rules.append(
            ContextRule(
                id=rule_id,
                phrases=phrases,
                token_pattern=token_pattern,
                effect=effect,
                direction=direction,
                window=window,
                targets=tuple(targets),
                description=record.get("description", ""),
            )
        )
    return rules
