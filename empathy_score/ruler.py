"""``empathy_score_ruler``: one rule family's patterns matched on the turns they apply to.

A component in the shape of spaCy's :class:`~spacy.pipeline.SpanRuler` (same pattern format,
``add_patterns``, ``patterns``, ``labels``, ``ids``, ``initialize``, ``to_disk``/``from_disk``
writing ``patterns.jsonl``), with what our families need besides:

- it skips turns of a speaker the family does not apply to (empathy markers and data requests
  are agent-only, opportunities customer-only; see ``FAMILY_ROLES``);
- ``LEMMA`` values of token patterns may be written in any form ("lekt", "oorpijn"): they
  match the word as written and the lemma the pipeline's lemmatizer gives it;
- token patterns are matched so that a turn pays only for the patterns it could match: a
  pattern of one word from a list is a phrase lookup on that word's attribute, and every other
  token pattern has a ``Matcher`` of its own, run only on turns that hold a word for each token
  every match of it needs (its *anchors*). spaCy's single ``Matcher`` would evaluate every
  pattern's set predicates on every token of every turn.

Matches go to ``doc.spans[spans_key]`` (the family name by default), each span carrying its
pattern ``id`` as ``span.id_``: the evidence of which rule fired. Overlapping candidates are all
kept: the context pass (``empathy_score_context``) decides between them.

The packaged patterns are loaded by :meth:`EmpathyRuler.initialize` (``nlp.initialize()``, as
:func:`empathy_score.load_nlp` calls it); a saved pipeline carries its patterns in
``patterns.jsonl`` and ``spacy.load`` reads them from there, once.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import srsly
from spacy import util
from spacy.attrs import IDS, LEMMA, LOWER, NORM, ORTH
from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from .components import FAMILY_ROLES, SPEAKER_KEY, token_pattern_check
from .errors import PatternError
from .phrases import PhraseKeys
from .rules import FAMILIES, read_patterns

__all__ = ["LEMMATIZER", "EmpathyRuler", "lemma_values", "make_ruler", "with_lemmas"]

#: The lemmatizer's name in the pipeline: patterns on ``LEMMA`` tell it which words matter.
LEMMATIZER = "empathy_score_lemmatizer"

_ANCHOR_ATTRS = {"LEMMA": LEMMA, "LOWER": LOWER, "NORM": NORM, "ORTH": ORTH}


def lemma_values(patterns: Iterable[dict[str, Any]]) -> list[str]:
    """Every word the token patterns name by ``LEMMA`` (as written or as ``IN`` lists)."""
    words: list[str] = []
    for pattern in patterns:
        if isinstance(pattern["pattern"], list):
            for token in pattern["pattern"]:
                value = token.get("LEMMA")
                if isinstance(value, str):
                    words.append(value)
                elif isinstance(value, dict):
                    words += value.get("IN", ())
    return words


def with_lemmas(pattern: dict[str, Any], lemma_of: Callable[[str], str]) -> dict[str, Any]:
    """A token pattern with its ``LEMMA`` values as the pipeline matches them: each value as
    written and its lemma (a lookup lemmatizer need not map a lemma to itself). Phrase
    patterns are returned unchanged."""
    if isinstance(pattern["pattern"], str):
        return pattern

    def forms(word: str) -> list[str]:
        return list(dict.fromkeys((word.lower(), lemma_of(word.lower()))))

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            return {"IN": forms(value)}
        if isinstance(value, dict):
            return {
                k: [f for v in vs for f in forms(v)] if k in ("IN", "NOT_IN") else vs
                for k, vs in value.items()
            }
        return value

    tokens = [
        {k: fix(v) if k == "LEMMA" else v for k, v in token.items()} for token in pattern["pattern"]
    ]
    return {**pattern, "pattern": tokens}


def _split_common(
    anchors: list[tuple[int, list[str]]],
) -> tuple[list[tuple[int, list[str]]], list[tuple[int, list[str]]]]:
    """The anchors looked up with the phrase matchers, and those checked against the turn's
    words directly: anchors that name a Dutch stop word ("het", "niet", "ik") are in nearly
    every turn, and a phrase matcher would report each of their many occurrences. When a
    pattern has only such anchors, the phrase matchers look them up as before."""
    rare, common = [], []
    for anchor in anchors:
        (common if STOP_WORDS.intersection(anchor[1]) else rare).append(anchor)
    return (rare, common) if rare else (anchors, [])


def _anchors(pattern: list[dict[str, Any]]) -> list[tuple[int, list[str]]]:
    """The tokens every match of the pattern must contain: (attribute, the values it may have).

    Each token that is neither optional nor repeated and names only its words (``LEMMA``,
    ``LOWER``, ``NORM`` or ``ORTH``, as a string or an ``IN`` list).
    """
    found = []
    for token in pattern:
        if token.get("OP", "1") not in ("1", "+") or len(token) != 1 + ("OP" in token):
            continue
        for key, attr in _ANCHOR_ATTRS.items():
            value = token.get(key)
            if isinstance(value, str):
                values = [value]
            elif isinstance(value, dict) and set(value) == {"IN"}:
                values = list(value["IN"])
            else:
                continue
            found.append((attr, [v.lower() for v in values] if key == "LOWER" else values))
    return found


@Language.factory(
    "empathy_score_ruler",
    default_config={
        "family": "empathy",
        "spans_key": None,
        "default_patterns": True,
        "phrase_matcher_attr": "NORM",
        "validate": False,
        "overwrite": True,
    },
    assigns=["doc.spans"],
)
def make_ruler(
    nlp: Language,
    name: str,
    family: str,
    spans_key: str | None,
    default_patterns: bool,
    phrase_matcher_attr: str,
    validate: bool,
    overwrite: bool,
) -> EmpathyRuler:
    return EmpathyRuler(
        nlp,
        name,
        family=family,
        spans_key=spans_key,
        default_patterns=default_patterns,
        phrase_matcher_attr=phrase_matcher_attr,
        validate=validate,
        overwrite=overwrite,
    )


class EmpathyRuler:
    """Match one rule family's patterns on the turns of the speaker it applies to.

    Parameters
    ----------
    family:
        ``"empathy"``, ``"data_request"`` or ``"opportunity"``: decides the valid labels and
        whose turns are matched.
    spans_key:
        The span group the matches go to; the family's name when None.
    default_patterns:
        Whether :meth:`initialize` loads the packaged ``patterns/<family>.jsonl``.
    phrase_matcher_attr:
        The token attribute phrase (string) patterns match on; ``NORM`` folds the spoken and
        Flemish forms the normalizer maps.
    validate:
        Check token patterns against spaCy's schema when they are added.
    overwrite:
        Replace the span group (True) or add to what an earlier component put there.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "empathy_score_ruler",
        *,
        family: str = "empathy",
        spans_key: str | None = None,
        default_patterns: bool = True,
        phrase_matcher_attr: str = "NORM",
        validate: bool = False,
        overwrite: bool = True,
    ) -> None:
        if family not in FAMILIES:
            raise PatternError(f"unknown rule family {family!r} (known: {', '.join(FAMILIES)})")
        self.nlp = nlp
        self.name = name
        self.family = family
        self.spans_key = spans_key
        self.key = spans_key or family
        self.default_patterns = default_patterns
        self.phrase_matcher_attr = phrase_matcher_attr
        self.validate = validate
        self.overwrite = overwrite
        self.roles = FAMILY_ROLES[family]
        self.clear()

    # -- patterns ------------------------------------------------------------------------------

    def initialize(
        self,
        get_examples: object = None,
        *,
        nlp: object = None,
        patterns: list | None = None,
    ) -> None:
        # (plain annotations: spaCy validates this signature in a namespace of its own)
        """Load the packaged patterns (unless ``default_patterns`` is off), then ``patterns``."""
        self.clear()
        if self.default_patterns:
            self.add_patterns(read_patterns(self.family))
        if patterns:
            self.add_patterns(list(patterns))

    def clear(self) -> None:
        """Remove every pattern."""
        self._patterns: list[dict[str, Any]] = []
        self._label_id: dict[int, tuple[str, str]] = {}  # match key -> (label, rule id)
        #: Per attribute, one phrase matcher: phrase patterns (on ``phrase_matcher_attr``),
        #: one-word token patterns, and the anchors of the other token patterns.
        self._words: dict[int, PhraseMatcher] = {}
        self._phrase_keys: dict[int, PhraseKeys] = {}
        self._anchor_keys: set[int] = set()  # which of their keys are anchors (not patterns)
        self._on_lemmas = False  # whether any pattern reads LEMMA
        #: per token pattern: its anchors' keys, its stop-word anchors (attribute, values),
        #: its matcher, and whether it reads LEMMA
        self._token_matchers: list[
            tuple[frozenset[int], tuple[tuple[int, frozenset[int]], ...], Matcher, bool]
        ] = []
        #: which token matchers to consider for a turn: by their first anchor, or always
        self._gated: dict[int, list[int]] = {}
        self._ungated: list[int] = []

    @property
    def patterns(self) -> list[dict[str, Any]]:
        """The patterns as they were added, one dictionary each."""
        return [dict(p) for p in self._patterns]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["label"] for p in self._patterns}))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted({p["id"] for p in self._patterns if p.get("id")}))

    def __len__(self) -> int:
        return len(self._patterns)

    def __contains__(self, label: str) -> bool:
        return any(p["label"] == label for p in self._patterns)

    def add_patterns(self, patterns: Sequence[dict[str, Any]]) -> None:
        """Add patterns in spaCy's ``{"label", "pattern", "id"}`` shape.

        Phrases are tokenized alone, not run through the pipeline. ``LEMMA`` values are
        matched as written and as lemmatized (see :func:`with_lemmas`).
        """
        patterns = list(patterns)
        lemma_of: Callable[[str], str] | None = None
        if LEMMATIZER in self.nlp.pipe_names:
            lemmatizer = self.nlp.get_pipe(LEMMATIZER)
            lemma_of = lemmatizer.lemma_of
            lemmatizer.want(lemma_values(patterns))
        strings = self.nlp.vocab.strings
        phrases: dict[int, list[str]] = {}
        for pattern in patterns:
            key = strings.add(repr((pattern["label"], pattern.get("id", ""))))
            self._label_id[key] = (pattern["label"], pattern.get("id", ""))
            if isinstance(pattern["pattern"], str):
                phrases.setdefault(key, []).append(pattern["pattern"])
            else:
                tokens = pattern["pattern"]
                self._add_token_pattern(
                    key, with_lemmas(pattern, lemma_of)["pattern"] if lemma_of else tokens
                )
        attr = IDS[self.phrase_matcher_attr.upper()]
        matcher, keys = self._word_matcher(attr), self._keys(attr)
        for key, texts in phrases.items():
            matcher.add(strings[key], [keys.phrase(text) for text in texts])
        self._patterns.extend(patterns)

    def _add_token_pattern(self, key: int, tokens: list[dict[str, Any]]) -> None:
        strings = self.nlp.vocab.strings
        anchors = _anchors(tokens)
        if len(tokens) == 1 and "OP" not in tokens[0] and len(anchors) == 1:
            attr, values = anchors[0]  # one word from a list: a phrase lookup
            self._on_lemmas |= attr == LEMMA
            self._word_matcher(attr).add(strings[key], self._one_word_keys(attr, values))
            return
        index = len(self._token_matchers)
        matcher = Matcher(self.nlp.vocab, validate=self.validate)
        matcher.add(strings[key], [tokens])
        slots = []
        looked_up, common = _split_common(anchors)
        words = tuple(
            (attr, frozenset(key for (key,) in self._one_word_keys(attr, values)))
            for attr, values in common
        )
        for slot, (attr, values) in enumerate(looked_up):
            slot_key = f"{self.name}:anchor:{index}:{slot}"
            self._word_matcher(attr).add(slot_key, self._one_word_keys(attr, values))
            slots.append(strings.add(slot_key))
            self._anchor_keys.add(slots[-1])
        on_lemmas = any("LEMMA" in token for token in tokens)
        self._on_lemmas |= on_lemmas
        self._token_matchers.append((frozenset(slots), words, matcher, on_lemmas))
        if slots:
            self._gated.setdefault(slots[0], []).append(index)
        else:
            self._ungated.append(index)

    def _one_word_keys(self, attr: int, values: list[str]) -> list[tuple[int]]:
        keys = self._keys(attr)
        return [(keys.word(value),) for value in dict.fromkeys(values)]

    def _keys(self, attr: int) -> PhraseKeys:
        if attr not in self._phrase_keys:
            self._phrase_keys[attr] = PhraseKeys(self.nlp, attr)
        return self._phrase_keys[attr]

    def _word_matcher(self, attr: int) -> PhraseMatcher:
        if attr not in self._words:
            self._words[attr] = PhraseMatcher(self.nlp.vocab, attr=attr)
        return self._words[attr]

    def add_pattern_file(self, path: str | Path) -> None:
        """Add a user's own pattern file for this family (validated, slots expanded).

        Nothing is added unless the whole file is valid; a :class:`PatternError` names the file
        and line of the first problem, token patterns checked against spaCy's schema.
        """
        check = token_pattern_check(self.nlp)
        self.add_patterns(read_patterns(self.family, path, check_token_pattern=check))

    # -- matching ------------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        speaker = doc.user_data.get(SPEAKER_KEY)
        found = [] if speaker is not None and speaker not in self.roles else self.match(doc)
        if self.overwrite or self.key not in doc.spans:
            doc.spans[self.key] = found
        else:
            doc.spans[self.key] = [*doc.spans[self.key], *found]
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    def match(self, doc: Doc) -> list[Span]:
        """Every match in the turn as a span (sorted, each once), whoever speaks."""
        if not self._patterns:
            warnings.warn(f"{self.name}: no patterns; call nlp.initialize()", stacklevel=2)
            return []
        matches = self._matches(doc)
        label_id = self._label_id
        return sorted(
            {
                Span(doc, start, end, label=label_id[key][0], span_id=label_id[key][1])
                for key, start, end in matches
                if start != end
            }
        )

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(key, start, end) of every pattern that matches: each phrase matcher runs once,
        then the token patterns whose anchors it found."""
        # the lemmatizer skips turns no lemma pattern fits
        lemmas = self._on_lemmas and doc.has_annotation("LEMMA")
        found: list[tuple[int, int, int]] = []
        seen: set[int] = set()  # the anchors present
        anchors = self._anchor_keys
        for attr, matcher in self._words.items():
            if attr == LEMMA and not lemmas:
                continue
            for match in matcher(doc):
                if match[0] in anchors:
                    seen.add(match[0])
                else:
                    found.append(match)
        candidates = [*self._ungated]
        for key in seen:
            candidates += self._gated.get(key, ())
        values: dict[int, set[int]] = {}  # the turn's words per attribute, when asked for
        for index in candidates:  # match() sorts what they find
            slots, words, matcher, on_lemmas = self._token_matchers[index]
            if not slots <= seen or (on_lemmas and not lemmas):  # an anchor is not in the turn
                continue
            for attr, keys in words:
                if attr not in values:
                    values[attr] = set(doc.to_array(attr).tolist())
                if keys.isdisjoint(values[attr]):
                    break
            else:
                found.extend(matcher(doc))
        return found

    # -- serialization -------------------------------------------------------------------------

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return util.to_bytes({"patterns": lambda: srsly.json_dumps(self._patterns)}, exclude)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> EmpathyRuler:
        self.clear()
        util.from_bytes(
            data, {"patterns": lambda b: self.add_patterns(srsly.json_loads(b))}, exclude
        )
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = util.ensure_path(path)
        util.to_disk(path, {"patterns": lambda p: srsly.write_jsonl(p, self._patterns)}, exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EmpathyRuler:
        self.clear()
        path = util.ensure_path(path)
        util.from_disk(path, {"patterns": lambda p: self.add_patterns(srsly.read_jsonl(p))}, {})
        return self
