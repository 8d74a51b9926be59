"""Mask personal data in Dutch call text: e-mail, IBANs, postcodes, licence plates, numbers.

Reports, logs and shared examples should carry the *shape* of what a caller said, not the data
itself. :func:`redact` replaces every match with a placeholder in square brackets, so that
``"mijn kenteken is GH-412-K"`` becomes ``"mijn kenteken is [PLATE]"``.

The rules are data (:data:`DEFAULT_RULES`, :data:`SIDECODES`, :data:`DIGIT_WORDS`) and run in
order, most specific first: an IBAN contains digits and would otherwise be masked piecemeal as
numbers. Speech-recognition output spells things out (``"g h vier een twee k"``,
``"drie drie negen een twee nul"``); such runs of single letters and digit words are masked as
well where they are unambiguous enough. Names are *not* masked: no list of names can be complete,
and a report that looks anonymous when it is not is worse than one that says what it masks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_RULES",
    "DIGIT_WORDS",
    "FILLERS",
    "SIDECODES",
    "RedactionRule",
    "redact",
]

SIDECODES: tuple[str, ...] = (
    # Dutch licence-plate sidecodes 1-14 (X = letter, 9 = digit), then the Belgian 1-ABC-234.
    "XX-99-99",
    "99-99-XX",
    "99-XX-99",
    "XX-99-XX",
    "XX-XX-99",
    "99-XX-XX",
    "99-XXX-9",
    "9-XXX-99",
    "XX-999-X",
    "X-999-XX",
    "XXX-99-X",
    "X-99-XXX",
    "9-XX-999",
    "999-XX-9",
    "9-XXX-999",
)
"""Licence-plate shapes: ``X`` a letter, ``9`` a digit, ``-`` a dash, space or nothing."""

DIGIT_WORDS: frozenset[str] = frozenset(
    {"nul", "een", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"}
)
"""Dutch digit words as speech recognition writes out spelled numbers and plates."""

FILLERS: frozenset[str] = frozenset({"eh", "ehm", "uh", "uhm", "euh", "streepje"})
"""Hesitations and the spoken dash that may interrupt a spelled-out code."""

# Common two-letter Dutch words that follow a number without being a postcode ("in 2020 en").
_NOT_POSTCODE_LETTERS = (
    "al|as|aan|de|dan|en|er|ik|in|is|je|ja|me|na|nu|of|om|op|te|tot|uw|we|ze|zo|wel|ook"
)


@dataclass(frozen=True)
class RedactionRule:
    """One kind of personal data: a regular expression and what replaces each match.

    Parameters
    ----------
    name
        What the rule masks, e.g. ``"iban"``; used in tests and error messages.
    pattern
        A regular expression (:mod:`re` syntax).
    replacement
        The placeholder, e.g. ``"[IBAN]"``; or a function from the match to its replacement
        (which may return the match unchanged when a closer look says it is not personal data).
    flags
        :mod:`re` flags for ``pattern``.
    """

    name: str
    pattern: str
    replacement: str | Callable[[re.Match[str]], str]
    flags: int = 0

    def compile(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)


def _sidecode_regex(shape: str) -> str:
    groups = [
        "".join("[A-Z]" if c == "X" else "[0-9]" for c in group) for group in shape.split("-")
    ]
    return "(?:" + "[-–]?".join(groups) + ")"


def _spaced_sidecode_regex(shape: str) -> str:
    groups = [
        "".join("[A-Z]" if c == "X" else "[0-9]" for c in group) for group in shape.split("-")
    ]
    return "(?:" + " ".join(groups) + ")"


# Plates written with dashes or run together match in either case ("gh-412-k"); written with
# spaces only in capitals ("GH 412 K"), since lower-case words between numbers are common.
_PLATE_DASHED = "(?i:" + "|".join(_sidecode_regex(s) for s in SIDECODES) + ")"
_PLATE_SPACED = "|".join(_spaced_sidecode_regex(s) for s in SIDECODES)

_DIGIT_WORD = "|".join(sorted(DIGIT_WORDS, key=len, reverse=True))
_FILLER = "|".join(sorted(FILLERS, key=len, reverse=True))
_SPELLED_TOKEN = rf"(?:[^\W\d_]|[0-9]{{1,4}}|{_DIGIT_WORD})"
_SPELLED_SEP = rf"(?:[\s,.-]+(?:(?:{_FILLER})[\s,.-]+)*)"
_SPELLED_RUN = rf"(?<![\w-]){_SPELLED_TOKEN}(?:{_SPELLED_SEP}{_SPELLED_TOKEN})+(?![\w-])"
_SPELLED_DIGITS = re.compile(
    rf"(?<![\w-])(?:[0-9]+|{_DIGIT_WORD})(?:{_SPELLED_SEP}(?:[0-9]+|{_DIGIT_WORD})){{2,}}(?![\w-])",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+")


def _spelled(match: re.Match[str]) -> str:
    """A spelled-out plate or code: single letters, digits and digit words, read token by token.

    Every Dutch plate has six characters, at least two of them letters and two digits; a run of
    that shape (give or take two characters that speech recognition lost or added) is a plate,
    and a longer one a spelled-out account or policy number. Three or more digits beside at most
    one letter are a spelled number, the letter kept ("u"). Anything else ("u een a") is left.
    """
    tokens = [t.lower() for t in _TOKEN.findall(match.group(0))]
    tokens = [t for t in tokens if t not in FILLERS]
    letters = sum(1 for t in tokens if t.isalpha() and t not in DIGIT_WORDS)
    digits = sum(len(t) if t.isdigit() else 1 for t in tokens if t.isdigit() or t in DIGIT_WORDS)
    if letters >= 2 and digits >= 2:
        return "[PLATE]" if 5 <= letters + digits <= 8 else "[NUMBER]"
    if digits >= 3:
        return _SPELLED_DIGITS.sub("[NUMBER]", match.group(0))
    return match.group(0)


DEFAULT_RULES: tuple[RedactionRule, ...] = (
    RedactionRule("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "[EMAIL]"),
    RedactionRule(
        "email_spoken",
        r"\b[\w-]+(?:\s+punt\s+[\w-]+)*\s+apenstaartje\s+[\w-]+(?:\s+punt\s+[\w-]+)+",
        "[EMAIL]",
        re.IGNORECASE,
    ),
    # Dutch IBAN: NL, two check digits, four bank letters, ten digits, spaced any way.
    RedactionRule("iban", r"\bNL\s?[0-9]{2}\s?[A-Z]{4}(?:\s?[0-9]){10}\b", "[IBAN]", re.IGNORECASE),
    # Any other IBAN, in capitals as printed on cards and statements.
    RedactionRule("iban", r"\b[A-Z]{2}[0-9]{2}(?:\s?[A-Z0-9]){11,30}\b", "[IBAN]"),
    RedactionRule("postcode", r"\b[1-9][0-9]{3}\s?[A-Z]{2}\b", "[POSTCODE]"),
    RedactionRule(
        "postcode",
        rf"\b[1-9][0-9]{{3}}\s?(?!(?:{_NOT_POSTCODE_LETTERS})\b)[a-z]{{2}}\b",
        "[POSTCODE]",
    ),
    RedactionRule("plate", rf"(?<![\w-])(?:{_PLATE_DASHED}|{_PLATE_SPACED})(?![\w-])", "[PLATE]"),
    RedactionRule("spelled", _SPELLED_RUN, _spelled, re.IGNORECASE),
    # Every remaining run of digits, with the separators phone numbers, dates and policy
    # numbers use ("06-48120937", "12.03.1985", "2023/80412") taken along as one number.
    RedactionRule("number", r"[0-9]+(?:[\s./:-][0-9]+)*", "[NUMBER]"),
)
"""The rules :func:`redact` applies by default, in this order."""

_COMPILED: dict[tuple[RedactionRule, ...], tuple[tuple[re.Pattern[str], RedactionRule], ...]] = {}


def _compiled(
    rules: tuple[RedactionRule, ...],
) -> tuple[tuple[re.Pattern[str], RedactionRule], ...]:
    if rules not in _COMPILED:
        _COMPILED[rules] = tuple((rule.compile(), rule) for rule in rules)
    return _COMPILED[rules]


def redact(text: str, rules: Iterable[RedactionRule] = DEFAULT_RULES) -> str:
    """Mask personal data in ``text``: e-mail addresses, IBANs, postcodes, plates and numbers.

    Parameters
    ----------
    text
        Dutch (or Flemish) call text, as typed or as written by speech recognition.
    rules
        The rules to apply, in order; :data:`DEFAULT_RULES` unless given.

    Returns
    -------
    str
        ``text`` with each match replaced by a placeholder such as ``[PLATE]``.

    Examples
    --------
    >>> redact("Mijn kenteken is GH-412-K en mijn postcode 2511 CV.")
    'Mijn kenteken is [PLATE] en mijn postcode [POSTCODE].'
    """
    for pattern, rule in _compiled(tuple(rules)):
        text = pattern.sub(rule.replacement, text)
    return text
