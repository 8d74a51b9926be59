"""Mask personal data in Dutch call text: e-mail, IBANs, postcodes, plates, dates and numbers.

Reports, logs and shared examples should carry the *shape* of what a caller said, not the data
itself. :func:`redact` replaces every match with a placeholder in square brackets, so that
``"mijn kenteken is GH-412-K"`` becomes ``"mijn kenteken is [PLATE]"``. The placeholders are
``[EMAIL]``, ``[IBAN]``, ``[POSTCODE]``, ``[PLATE]``, ``[DATE]`` (a day and month, with or
without a year), ``[CODE]`` (three or more letters spelled with a spelling alphabet, as callers
spell names and reference codes) and ``[NUMBER]`` (everything else numeric).

The rules run in order, most specific first (:data:`DEFAULT_RULES`): an IBAN contains digits and
would otherwise be masked piecemeal as numbers, and a date would be masked as two numbers and
leave its month. The Dutch words they know are data, in ``patterns/redact.json``: digit words,
the parts of Dutch numerals, month names, the words for "@", "." and "-" in a spoken e-mail
address, and the Dutch and NATO spelling alphabets (``"Anton"``, ``"golf"``).

Callers and speech recognisers say numbers as words, and most number words in a call are not
personal data ("twee dagen geleden", "om drie uur"). So number words are masked only where they
look like data:

- a **run of three or more** digits and number words (``"nul zes twaalf drie vier"``): a phone,
  policy or account number read out in pieces; a shorter run is a count ("twee, drie keer");
- a **compound numeral**, one that is built from parts (``"zesentwintig"``, ``"honderdvijftig"``,
  ``"drieëntwintig"``, ``"negentienachtenzeventig"``, also written apart: ``"twee honderd"``,
  ``"negentien achtenzeventig"``): it names a house number, an age, an amount or a year. A
  numeral of one part (``"drie"``, ``"vijftien"``, ``"twintig"``, ``"honderd"``) is left: it is how
  people count in ordinary speech;
- a **date**: a day (digits, a numeral up to 31 or an ordinal such as ``"eenendertigste"``) and a
  month name, with an optional year (``"twaalf maart negentienachtenzeventig"``). A month alone
  ("in mei") is left;
- a **spelled run** of letters, spelling-alphabet words and digits: at least two letters and two
  digits are a plate (``"golf hotel vier een twee kilo"``) or a longer code; three or more
  spelling-alphabet words (``"Anton Bernard Cornelis"``) are a spelled name or code. One name
  ("Jan", "Victor") or word ("golf") from an alphabet, or two ("Jan Willem"), is left.

Digits are any Unicode digits, not only ``0-9``: Arabic-Indic ``"٠٦"``, full-width ``"０６"``,
superscripts and circled digits as well. Every pattern is compiled once and built without nested
unbounded repetition, so matching stays linear in the length of the text.

Names are *not* masked: no list of names can be complete, and a report that looks anonymous when
it is not is worse than one that says what it masks. :func:`redact_error` masks an error message
that may quote input text while keeping the file and line it names.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from .errors import PatternError

__all__ = [
    "DEFAULT_RULES",
    "DIGIT_WORDS",
    "FILLERS",
    "MONTHS",
    "SIDECODES",
    "SPELLING_ALPHABET",
    "RedactionRule",
    "redact",
    "redact_error",
]

_DATA_FILE = "redact.json"
_DATA_KEYS = frozenset(
    {
        "digit_words",
        "fillers",
        "numerals",
        "months",
        "day_suffixes",
        "email",
        "spelling_alphabets",
        "digit_like",
    }
)
_NUMERAL_KEYS = frozenset(
    {
        "units",
        "teens",
        "tens",
        "joiners",
        "hundred",
        "thousand",
        "centuries",
        "irregular_ordinals",
        "ordinal_suffixes",
    }
)


def _load_data() -> dict[str, Any]:
    """The word lists in ``patterns/redact.json``, checked for the keys this module reads."""
    where = f"empathy_score/patterns/{_DATA_FILE}"
    try:
        data = json.loads((files("empathy_score.patterns") / _DATA_FILE).read_text("utf-8"))
    except json.JSONDecodeError as err:
        raise PatternError(f"invalid JSON: {err.msg}", path=where, line=err.lineno) from None
    if not isinstance(data, dict) or set(data) != _DATA_KEYS:
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise PatternError(
            f"expected exactly the keys {sorted(_DATA_KEYS)}, got {found}", path=where
        )
    if set(data["numerals"]) != _NUMERAL_KEYS:
        raise PatternError(
            f'"numerals" must have exactly the keys {sorted(_NUMERAL_KEYS)}', path=where
        )
    return data


_DATA = _load_data()
_NUMERALS: Mapping[str, Any] = _DATA["numerals"]

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

DIGIT_WORDS: frozenset[str] = frozenset(_DATA["digit_words"])
"""Dutch digit words as speech recognition writes out spelled numbers and plates."""

FILLERS: frozenset[str] = frozenset(_DATA["fillers"]) | frozenset(
    json.loads((files("empathy_score.patterns") / "normalization.json").read_text("utf-8"))[
        "fillers"
    ]
)
"""What may interrupt a spelled-out code: the normalizer's hesitations (one list, in
``normalization.json``) and the spoken dash (``redact.json``)."""

MONTHS: frozenset[str] = frozenset(_DATA["months"])
"""Dutch month names: with a day before them, a date."""

SPELLING_ALPHABET: Mapping[str, str] = {
    word: letter
    for alphabet in _DATA["spelling_alphabets"].values()
    for word, letter in alphabet.items()
}
"""Spelling-alphabet words (Dutch "spelalfabet" and NATO) and the letter each one spells."""

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


# ---------------------------------------------------------------------------------------------
# Building blocks: each a regular expression made from the data, without unbounded nesting.


def _alt(words: Iterable[str]) -> str:
    """An alternation of literal words, as a trie: ``twee|twaalf`` becomes ``tw(?:ee|aalf)``.

    A plain alternation tries every word at every position; the trie fails at the first
    letter that no word has, which keeps whole-text matching fast. Longer words are tried
    first, and a space in a word matches any spacing.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict[str, Any]) -> str:
    branches = [
        (r"\s+" if ch == " " else re.escape(ch)) + _trie_regex(child)
        for ch, child in sorted(node.items())
        if ch
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


# A digit is any Unicode decimal digit (\d) or a character with a digit value (superscripts,
# circled digits…), listed as ranges in the data.
_DIGIT = (
    r"[\d"
    + "".join(f"\\U{int(lo, 16):08x}-\\U{int(hi, 16):08x}" for lo, hi in _DATA["digit_like"])
    + "]"
)
_DIGITS = f"{_DIGIT}+"


def _sidecode_regex(shape: str, separator: str) -> str:
    groups = [
        "".join("[A-Z]" if c == "X" else "[0-9]" for c in group) for group in shape.split("-")
    ]
    return "(?:" + separator.join(groups) + ")"


# Plates written with dashes or run together match in either case ("gh-412-k"); written with
# spaces only in capitals ("GH 412 K"), since lower-case words between numbers are common.
_PLATE_DASHED = "(?i:" + "|".join(_sidecode_regex(s, "[-–]?") for s in SIDECODES) + ")"
_PLATE_SPACED = "|".join(_sidecode_regex(s, " ") for s in SIDECODES)

_UNITS: Mapping[str, int] = _NUMERALS["units"]
_TEENS: Mapping[str, int] = _NUMERALS["teens"]
_TENS: Mapping[str, int] = _NUMERALS["tens"]
_JOINERS: tuple[str, ...] = tuple(_NUMERALS["joiners"])
_HUNDRED: str = _NUMERALS["hundred"]
_THOUSAND: str = _NUMERALS["thousand"]
_CENTURIES: Mapping[str, int] = _NUMERALS["centuries"]
_IRREGULAR_ORDINALS: Mapping[str, int] = _NUMERALS["irregular_ordinals"]
_ORDINAL_SUFFIXES: tuple[str, ...] = tuple(_NUMERALS["ordinal_suffixes"])

# Every numeral below a hundred, as one word: units, teens, tens and unit + "en"/"ën" + ten.
_BELOW_100: dict[str, int] = {**_UNITS, **_TEENS, **_TENS}
_BELOW_100.update(
    {f"{u}{j}{t}": uv + tv for u, uv in _UNITS.items() for j in _JOINERS for t, tv in _TENS.items()}
)
_ONE_PART: frozenset[str] = frozenset({*_UNITS, *_TEENS, *_TENS, _HUNDRED, _THOUSAND})
_ONE_DIGIT: frozenset[str] = frozenset(DIGIT_WORDS)


def _numeral_regex(gap: str) -> str:
    """A Dutch cardinal numeral; ``gap`` is what may stand between its parts ("" or a space)."""
    unit, teen, ten, joiner = _alt(_UNITS), _alt(_TEENS), _alt(_TENS), _alt(_JOINERS)
    below_100 = f"(?:{unit}-?{joiner}-?{ten}|{ten}|{teen}|{unit})"
    after = f"(?:{gap}(?:{joiner}{gap})?{below_100})"
    below_1000 = f"(?:(?:{below_100}{gap})?{_HUNDRED}{after}?|{below_100})"
    after_1000 = f"(?:{gap}(?:{joiner}{gap})?{below_1000})"
    year = f"(?:{_alt(_CENTURIES)}{gap}(?:{unit}-?{joiner}-?{ten}|{ten}|{teen}))"
    # A quick look at the first part spares the grammar's branches at every other word.
    first = _alt([*_UNITS, *_TEENS, *_TENS, _HUNDRED, _THOUSAND])
    return f"(?=(?i:{first}))(?:(?:{below_1000}{gap})?{_THOUSAND}{after_1000}?|{year}|{below_1000})"


_NUMERAL_TIGHT = _numeral_regex("")  # one word: "honderdvijftig"
_NUMERAL = _numeral_regex(r"[\s-]?")  # also written apart: "twee honderd vijftig"
_ORDINAL_SUFFIX = _alt(_ORDINAL_SUFFIXES)
_DAY_WORD = f"(?:{_NUMERAL}{_ORDINAL_SUFFIX}?|{_alt(_IRREGULAR_ORDINALS)})"
_MONTH = _alt(MONTHS)

_DIGIT_WORD = _alt(DIGIT_WORDS)
_FILLER = _alt(FILLERS)
_ALPHABET_WORD = _alt(SPELLING_ALPHABET)
# The tokens of a spelled run; the alternatives never match the same text, so a run that fails
# is given up after one pass, not after trying every way to read it.
_NUMBER_TOKEN = rf"(?:{_DIGIT}{{1,4}}|{_NUMERAL_TIGHT}|{_DIGIT_WORD})"
_SPELLED_TOKEN = rf"(?:{_ALPHABET_WORD}|{_NUMBER_TOKEN}|[^\W\d_])"
_SPELLED_SEP = rf"(?:[\s,.-]+(?:{_FILLER}[\s,.-]+)*)"
_SPELLED_RUN = rf"(?<![\w-]){_SPELLED_TOKEN}(?:{_SPELLED_SEP}{_SPELLED_TOKEN})+(?![\w-])"
_SPELLED_DIGITS = re.compile(
    rf"(?<![\w-]){_NUMBER_TOKEN}(?:{_SPELLED_SEP}{_NUMBER_TOKEN}){{2,}}(?![\w-])", re.IGNORECASE
)
_TOKEN = re.compile(rf"(?<![\w-])(?:{_SPELLED_TOKEN})(?![\w])|[^\W_]+", re.IGNORECASE)

_EMAIL = _DATA["email"]
_AT, _DOT, _EMAIL_JOIN = _alt(_EMAIL["at"]), _alt(_EMAIL["dot"]), _alt(_EMAIL["joiners"])
# A word of a spoken address: anything but the spoken "@", "." and "-" themselves.
_EMAIL_WORD = rf"(?!(?:{_AT}|{_DOT}|{_EMAIL_JOIN})(?![\w-]))[\w-]+"
_EMAIL_SEP = rf"(?:{_DOT}|{_EMAIL_JOIN})"
# "jan punt de vries apenstaartje gmail punt com": the part before "@" is one word, or words
# joined by spoken separators, each piece up to three words ("de vries"); so is the domain,
# which ends in a spoken or written dot.
_EMAIL_LOCAL = (
    rf"{_EMAIL_WORD}(?:\s+{_EMAIL_SEP}\s+{_EMAIL_WORD}(?:\s+{_EMAIL_WORD}){{0,2}}){{0,6}}"
)
_EMAIL_PIECE = rf"{_EMAIL_WORD}(?:\s+{_EMAIL_WORD}){{0,2}}"  # "kpn mail" in "kpn mail punt nl"
_EMAIL_DOMAIN = (
    rf"(?:{_EMAIL_PIECE}(?:\s+{_EMAIL_SEP}\s+{_EMAIL_PIECE}){{0,3}}\s+{_DOT}\s+{_EMAIL_WORD}"
    rf"|[\w-]+(?:\.[\w-]+)+)"
)


# ---------------------------------------------------------------------------------------------
# Reading numerals: the value of a numeral word, for the checks that need one (a day is 1-31).


def _below_1000(word: str) -> int | None:
    if word in _BELOW_100:
        return _BELOW_100[word]
    return _scaled(word, _HUNDRED, 100, lambda w: _BELOW_100.get(w))


def _scaled(word: str, scale: str, factor: int, lower: Callable[[str], int | None]) -> int | None:
    """``word`` as [lower] ``scale`` [joiner] [lower], e.g. "tweehonderdvijftig" = 2*100+50."""
    left, found, right = word.partition(scale)
    if not found:
        return None
    head = 1 if not left else lower(left)
    tail = 0 if not right else lower(right)
    if tail is None:
        for joiner in _JOINERS:
            if right.startswith(joiner) and right != joiner:
                tail = lower(right[len(joiner) :])
                break
    return None if head is None or tail is None else head * factor + tail


def _cardinal(word: str) -> int | None:
    value = _below_1000(word)
    if value is None:
        value = _scaled(word, _THOUSAND, 1000, _below_1000)
    if value is None:  # a year said in two halves: "negentien" + "achtenzeventig"
        for century, hundreds in _CENTURIES.items():
            rest = _BELOW_100.get(word[len(century) :]) if word.startswith(century) else None
            if rest is not None and rest >= 10:
                return hundreds * 100 + rest
    return value


def _numeral_value(text: str) -> int | None:
    """The value of a Dutch numeral, cardinal or ordinal ("vijfentwintigste" = 25), or None."""
    word = re.sub(r"[\s-]+", "", text.lower())
    if word in _IRREGULAR_ORDINALS:
        return _IRREGULAR_ORDINALS[word]
    value = _cardinal(word)
    for suffix in _ORDINAL_SUFFIXES:
        if value is None and word.endswith(suffix):
            value = _cardinal(word[: -len(suffix)])
    return value


def _digits_value(text: str) -> int | None:
    digits = [unicodedata.digit(ch, None) for ch in text]
    if not digits or None in digits:
        return None
    return int("".join(str(d) for d in digits))


# ---------------------------------------------------------------------------------------------
# Decisions on a match: is this data?


def _spelled(match: re.Match[str]) -> str:
    """A spelled-out plate or code: letters, spelling-alphabet words, digits and number words.

    Every Dutch plate has six characters, at least two of them letters and two digits; a run of
    that shape (give or take two characters that speech recognition lost or added) is a plate,
    and a longer one a spelled-out account or policy number. Three or more spelling-alphabet
    words are a spelled name or code. Three or more digits and number words beside at most one
    letter are a spelled number, the letter kept ("u"). Anything else ("u een a") is left.
    """
    letters = digits = numbers = alphabet = 0
    for token in (t.lower() for t in _TOKEN.findall(match.group(0))):
        if token in FILLERS:
            continue
        if token in SPELLING_ALPHABET:
            letters, alphabet = letters + 1, alphabet + 1
        elif token in _ONE_DIGIT:
            digits, numbers = digits + 1, numbers + 1
        elif token[0].isalpha() and len(token) == 1:
            letters += 1
        else:
            value = _digits_value(token) if not token[0].isalpha() else _numeral_value(token)
            if value is None:
                continue
            digits += len(token) if not token[0].isalpha() else len(str(value))
            numbers += 1
    if letters >= 2 and digits >= 2:
        return "[PLATE]" if 5 <= letters + digits <= 8 else "[NUMBER]"
    if alphabet >= 3:
        return "[CODE]"
    if numbers >= 3:
        return _SPELLED_DIGITS.sub("[NUMBER]", match.group(0))
    return match.group(0)


def _compound(match: re.Match[str]) -> str:
    """A numeral built from parts names data ("zesentwintig"); one of one part is a count."""
    word = re.sub(r"[\s-]+", "", match.group(0).lower())
    return match.group(0) if word in _ONE_PART or _numeral_value(word) is None else "[NUMBER]"


def _date(match: re.Match[str]) -> str:
    """A day (1-31) and a month, and the year after them if it is one; else left as it is."""
    day = match.group("day")
    value = _numeral_value(day) if day[0].isalpha() else _digits_value(day.rstrip("stde"))
    if value is None or not 1 <= value <= 31:
        return match.group(0)
    year = match.group("year")
    if year is None:
        return "[DATE]"
    number = _numeral_value(year) if year[0].isalpha() else _digits_value(year)
    if number is not None and number >= 1000:
        return "[DATE]"
    return "[DATE]" + match.group(0)[match.end("month") - match.start() :]


DEFAULT_RULES: tuple[RedactionRule, ...] = (
    # From the start of a word only: tried at every letter, a long word costs its length squared.
    RedactionRule("email", r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "[EMAIL]"),
    RedactionRule(
        "email_spoken",
        rf"(?<![\w-]){_EMAIL_LOCAL}\s+{_AT}\s+{_EMAIL_DOMAIN}(?![\w-])",
        "[EMAIL]",
        re.IGNORECASE,
    ),
    # Dutch IBAN: NL, two check digits, four bank letters, ten digits, spaced any way.
    RedactionRule("iban", r"\bNL\s?[0-9]{2}\s?[A-Z]{4}(?:\s?[0-9]){10}\b", "[IBAN]", re.IGNORECASE),
    # Any other IBAN, in capitals as printed on cards and statements.
    RedactionRule("iban", r"\b[A-Z]{2}[0-9]{2}(?:\s?[A-Z0-9]){11,30}\b", "[IBAN]"),
    # "3 mei 1978", "twaalf maart negentienachtenzeventig", "de eenendertigste mei".
    RedactionRule(
        "date",
        rf"(?<!\w)(?P<day>{_DIGIT}{{1,2}}(?:{_alt(_DATA['day_suffixes'])})?|{_DAY_WORD})"
        rf"\s+(?P<month>{_MONTH})(?:\s+(?P<year>{_DIGIT}{{4}}|{_NUMERAL}))?(?!\w)",
        _date,
        re.IGNORECASE,
    ),
    RedactionRule("postcode", r"\b[1-9][0-9]{3}\s?[A-Z]{2}\b", "[POSTCODE]"),
    RedactionRule(
        "postcode",
        rf"\b[1-9][0-9]{{3}}\s?(?!(?:{_NOT_POSTCODE_LETTERS})\b)[a-z]{{2}}\b",
        "[POSTCODE]",
    ),
    RedactionRule("plate", rf"(?<![\w-])(?:{_PLATE_DASHED}|{_PLATE_SPACED})(?![\w-])", "[PLATE]"),
    RedactionRule("spelled", _SPELLED_RUN, _spelled, re.IGNORECASE),
    RedactionRule("compound_numeral", rf"(?<!\w){_NUMERAL}(?!\w)", _compound, re.IGNORECASE),
    # Every remaining run of digits, with the separators phone numbers, dates and policy
    # numbers use ("06-48120937", "12.03.1985", "2023/80412") taken along as one number.
    RedactionRule("number", rf"{_DIGITS}(?:[\s./:-]{_DIGITS})*", "[NUMBER]"),
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
    """Mask personal data in ``text``: e-mail addresses, IBANs, postcodes, plates, dates, numbers.

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
    >>> redact("geboren op twaalf maart negentienachtenzeventig, om drie uur")
    'geboren op [DATE], om drie uur'
    """
    for pattern, rule in _compiled(tuple(rules)):
        text = pattern.sub(rule.replacement, text)
    return text


def redact_error(message: str, source: str | None = None) -> str:
    """Mask an error message that may quote input text, keeping the place it names.

    Errors name the file and line they are about (``"calls/a.vtt:6: cue timing '…' is not
    …"``); that location is what the user needs to find the problem, so it is kept as it is and
    only the rest of the message is masked with :func:`redact`.

    Parameters
    ----------
    message
        The error message, e.g. ``str(error)`` or a verdict's ``error``.
    source
        The file the message starts with, if any (a verdict's ``source``, an error's ``path``).

    Examples
    --------
    >>> redact_error("a.txt:3: unknown speaker label 'Beller 0612345678'", "a.txt")
    "a.txt:3: unknown speaker label 'Beller [NUMBER]'"
    """
    where = ""
    located = re.match(r"line [0-9]+: ", message)
    if source and message.startswith(source):
        located = re.compile(re.escape(source) + r"(?::[0-9]+)?: ").match(message)
    if located:
        where, message = located.group(0), message[located.end() :]
    return where + redact(message)
