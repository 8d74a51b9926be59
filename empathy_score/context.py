"""``empathy_score_context``: a ConText-style pass over each family's candidate spans.

It drops candidates in the scope of an exclusion trigger (negation, reproach, confirmation)
and keeps candidates that need a cue (a field name needs a request cue) only when one is in
scope, or when they stand in a list that ends in one. Dropped candidates stay visible in
``doc._.empathy_rejected`` with the rule that dropped them. The rules are data
(``patterns/context.jsonl``, or the user's own file), loaded in ``initialize`` and saved with
the pipeline.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

from spacy.attrs import NORM
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from .components import REJECTED_KEY, pipe_in_batches, token_pattern_check
from .phrases import PhraseKeys
from .rules import FAMILIES, ContextRule, read_context_rules

__all__ = ["CONTEXT_FILE", "MISSING", "ContextFilter", "make_context"]


@Language.factory(
    "empathy_score_context",
    default_config={"rules_path": None, "spans_keys": list(FAMILIES)},
    assigns=["doc.spans", "doc._.empathy_rejected"],
    requires=["doc.spans"],
)
def make_context(
    nlp: Language, name: str, rules_path: str | None, spans_keys: list[str]
) -> ContextFilter:
    return ContextFilter(nlp, name, rules_path=rules_path, spans_keys=spans_keys)


def _resolve_overlaps(cues: dict[Span, tuple[int, int] | None]) -> list[Span]:
    """Where rules found overlapping words, keep the longest match (then the one whose cue
    reaches furthest, then the first); then widen each survivor to its cue.

    Overlaps are settled on the matched words alone, so that a cue after a list ("naam en
    geboortedatum graag") cannot make one field's widened span swallow the next.
    """
    if _in_order_apart(cues):  # the usual case: nothing to settle, all kept in this order
        return [_widen(span, cue) for span, cue in cues.items()]
    widened = {span: _widen(span, cue) for span, cue in cues.items()}
    ranked = sorted(
        cues, key=lambda s: (-(s.end - s.start), -len(widened[s]), s.start, s.label_, s.id_)
    )
    taken: set[int] = set()
    kept = []
    for span in ranked:
        if not taken.intersection(range(span.start, span.end)):
            kept.append(span)
            taken.update(range(span.start, span.end))
    return [widened[span] for span in sorted(kept, key=lambda s: (s.start, s.end))]


def _in_order_apart(spans: Iterable[Span]) -> bool:
    """Whether each span begins at or after the end of the one before: no two overlap, and
    they already stand in the (start, end) order :func:`_resolve_overlaps` returns."""
    end = 0
    for span in spans:
        if span.start < end:
            return False
        end = span.end
    return True


def _widen(span: Span, cue: tuple[int, int] | None) -> Span:
    """The span stretched to cover its cue, so evidence reads "mag ik uw polisnummer"."""
    if cue is None:
        return span
    start, end = min(span.start, cue[0]), max(span.end, cue[1])
    return Span(span.doc, start, end, label=span.label, span_id=span.id)


#: How a rejection reason starts when a candidate lacked a required cue (not excluded).
MISSING = "missing:"


def _is_missing(verdict: tuple[int, int] | str | None) -> bool:
    """Whether a context verdict is a rejection for want of a cue (which a list may mend)."""
    return isinstance(verdict, str) and verdict.startswith(MISSING)


class _Sharing:
    """A turn's ``share`` triggers, indexed once per turn for :meth:`ContextFilter._share`."""

    def __init__(self, triggers: list[tuple[ContextRule, int, int]]) -> None:
        self.window: dict[str, int] = {}  # rule id -> its window, for the rules with triggers
        self.tokens: dict[str, set[int]] = {}  # rule id -> the tokens its triggers cover
        for rule, start, end in triggers:
            self.window[rule.id] = rule.window
            self.tokens.setdefault(rule.id, set()).update(range(start, end))

    def listed(self, span: Span, nxt: Span, applicable: frozenset[str]) -> bool:
        """Whether ``nxt`` follows ``span`` as the next item of a list: the gap between them
        is within the window of a ``share`` rule that applies (and has a trigger in the turn),
        and each of its tokens is a trigger of such a rule."""
        gap = range(span.end, nxt.start)
        mine = [rule_id for rule_id in self.window if rule_id in applicable]
        if not any(len(gap) <= self.window[rule_id] for rule_id in mine):
            return False
        return all(any(t in self.tokens[rule_id] for rule_id in mine) for t in gap)


#: Up to this many triggers in a turn, every candidate is judged against all of them.
FEW_TRIGGERS = 8

#: The file a saved pipeline keeps its context rules in.
CONTEXT_FILE = "context.jsonl"


class ContextFilter:
    """Apply context rules (``patterns/context.jsonl``) to the candidate spans of each family."""

    def __init__(
        self,
        nlp: Language,
        name: str = "empathy_score_context",
        *,
        rules_path: str | None = None,
        spans_keys: Sequence[str] = FAMILIES,
    ) -> None:
        self.name = name
        self.rules_path = rules_path
        self.spans_keys = list(spans_keys)
        self.nlp = nlp
        self._warned = False  # about being called with no rules
        self._use([], "")

    def initialize(self, get_examples: object = None, *, nlp: object = None) -> None:
        """Load the rules: the file at ``rules_path``, or the packaged ``context.jsonl``."""
        # (plain annotations: spaCy validates this signature in a namespace of its own)
        if self.rules_path is None:
            # the packaged file is read once here; to_disk reads it again only when saving
            self._use(read_context_rules(), None)
            return
        # a user's own rule file gets its token patterns checked by spaCy first (our packaged
        # ones are checked by the tests)
        check = token_pattern_check(self.nlp)
        rules = read_context_rules(self.rules_path, check_token_pattern=check)
        self._use(rules, Path(self.rules_path).read_text(encoding="utf-8"))

    def _use(self, rules: list[ContextRule], text: str | None) -> None:
        """Match these rules from now on; ``text`` is their file, as :meth:`to_disk` saves it
        (None: the packaged ``context.jsonl``, which does not change while we run)."""
        nlp = self.nlp
        self.rules = rules
        self._rules_text = text
        self._by_pattern: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
        self._by_pattern_key: dict[int, tuple[frozenset[str], tuple[str, ...]]] = {}
        self._matcher = Matcher(nlp.vocab)
        self._rule_by_key: dict[int, ContextRule] = {}
        # per rule key: its phrases as the NORM phrase matcher takes them
        self._phrase_docs: dict[int, list[tuple[int, ...] | Doc]] = {}
        phrase_keys = PhraseKeys(nlp, NORM)
        with nlp.select_pipes(enable=[]):
            for rule in self.rules:
                key = nlp.vocab.strings.add(f"context:{rule.id}")
                self._rule_by_key[key] = rule
                if rule.phrases:
                    self._phrase_docs[key] = [phrase_keys.phrase(p) for p in rule.phrases]
                if rule.token_pattern is not None:
                    self._matcher.add(f"context:{rule.id}", [list(rule.token_pattern)])
        #: per set of candidate families: a phrase matcher of the sentence ends and of the
        #: triggers of the rules met with them, and the ids of those rules (see _phrases_of)
        self._phrases_for: dict[frozenset[str], tuple[PhraseMatcher, frozenset[str]]] = {}
        self._wanted: dict[frozenset[str], frozenset[int]] = {}  # trigger keys per rule set
        self._key_of = {rule.id: key for key, rule in self._rule_by_key.items()}
        self._order_of_key = {self._key_of[r.id]: i for i, r in enumerate(self.rules)}
        self._terminator_keys = frozenset(
            key for key, rule in self._rule_by_key.items() if rule.effect == "terminate"
        )
        self._token_rule_ids = frozenset(r.id for r in self.rules if r.token_pattern is not None)
        self._share_rule_ids = frozenset(r.id for r in self.rules if r.effect == "share")
        # how far a trigger can stand from a candidate it applies to: past it, none is looked at
        self._reach = max((r.window for r in self.rules), default=0)

    def _triggers(
        self, doc: Doc, families: frozenset[str], relevant: frozenset[str]
    ) -> tuple[list[tuple[ContextRule, int, int]], list[int]]:
        """Triggers of the ``relevant`` rules, in our order, and the sentence-end positions
        (``families``: the span groups that hold the turn's candidates).

        Cue rules list very common words ("u", "het", "wat"), so a turn matches some thirty
        triggers, most of them of rules that apply to none of its candidates: those are
        dropped before any Python object is made for them. A token ``Matcher`` builds a
        Python object per token and per pattern state: it only runs when a candidate could
        use one of its rules.
        """
        phrases, wanted = self._phrases_of(families, relevant)
        matches = phrases(doc)
        if len(self._matcher) and not self._token_rule_ids.isdisjoint(relevant):
            matches = [*matches, *self._matcher(doc)]  # (an empty Matcher warns on every call)
        ends = self._terminator_keys
        order = self._order_of_key
        terminators: list[int] = []
        found = []
        for key, start, end in matches:
            if key in wanted:
                found.append((start, end, order[key], key))
            elif key in ends:
                terminators.extend(range(start, end))
        terminators.sort()
        # Ties (two cues as near, two exclusions in scope) go to the earlier trigger, then to
        # the rule first in the file: an order of our own, not the PhraseMatcher's hash order.
        found.sort()
        rule_of = self._rule_by_key
        return [(rule_of[key], start, end) for start, end, _, key in found], terminators

    def _phrases_of(
        self, families: frozenset[str], relevant: frozenset[str]
    ) -> tuple[PhraseMatcher, frozenset[int]]:
        """A phrase matcher that finds the triggers of the ``relevant`` rules and the sentence
        ends, and the keys of the relevant rules' triggers.

        A turn's candidates need only their own rules' triggers: the common words that cue
        data requests ("u", "het", "wat") need not be matched on a turn without a candidate
        data request. There is one matcher per set of candidate families, holding the rules
        met with it so far (grown when a new one comes), so that there are a few of them;
        what it finds beyond the turn's own rules is dropped by their keys.
        """
        known = self._phrases_for.get(families)
        if known is None or not relevant <= known[1]:
            covered = relevant | known[1] if known is not None else relevant
            matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
            strings = self.nlp.vocab.strings
            keys = {self._key_of[rule_id] for rule_id in covered} | self._terminator_keys
            for key, docs in self._phrase_docs.items():
                if key in keys:
                    matcher.add(strings[key], docs)
            known = self._phrases_for[families] = (matcher, covered)
        wanted = self._wanted.get(relevant)
        if wanted is None:
            if len(self._wanted) >= 4096:  # a user's rules may combine in many ways
                self._wanted.clear()
            keys = frozenset(self._key_of[rule_id] for rule_id in relevant)
            wanted = self._wanted[relevant] = keys - self._terminator_keys
        return known[0], wanted

    @staticmethod
    def _in_scope(
        rule: ContextRule, t_start: int, t_end: int, span: Span, terminators: list[int]
    ) -> bool:
        if t_start < span.end and span.start < t_end:
            # a trigger inside the candidate negates it, but cannot be its own cue
            return rule.effect == "exclude"
        if t_end <= span.start:  # trigger precedes the span
            if rule.direction == "following" or span.start - t_end > rule.window:
                return False
            lo, hi = t_end, span.start
        else:  # trigger follows the span
            if rule.direction == "preceding" or t_start - span.end > rule.window:
                return False
            lo, hi = span.end, t_start
        # no sentence end between trigger and span
        k = bisect.bisect_left(terminators, lo)
        return not (k < len(terminators) and terminators[k] < hi)

    def __call__(self, doc: Doc) -> Doc:
        if not self.rules and not self._warned:
            import warnings

            self._warned = True
            warnings.warn(f"{self.name}: no context rules; call nlp.initialize()", stacklevel=2)
        groups = doc.spans
        candidates = {}
        for key in self.spans_keys:
            group = groups.get(key)
            if group is not None and len(group):
                candidates[key] = list(group)
        if not candidates:
            return doc
        # per candidate: the rules that apply to it and those it requires
        rules_of = {
            key: [self._rules_for_span(span) for span in spans] for key, spans in candidates.items()
        }
        relevant = frozenset().union(*(r[0] for rules in rules_of.values() for r in rules))
        triggers, terminators = self._triggers(doc, frozenset(candidates), relevant)
        near = self._near(triggers)
        rejected = doc.user_data.get(REJECTED_KEY) or []
        for key, spans in candidates.items():
            verdicts = [
                self._judge(span, rules, near(span), terminators)
                for span, rules in zip(spans, rules_of[key], strict=True)
            ]
            if self._share_rule_ids and any(map(_is_missing, verdicts)):
                self._share(spans, verdicts, triggers, near, terminators)
            if not any(verdicts) and _in_order_apart(spans):
                continue  # each candidate kept as it is: the group stays as the ruler left it
            cues: dict[Span, tuple[int, int] | None] = {}
            for span, verdict in zip(spans, verdicts, strict=True):
                if isinstance(verdict, str):
                    rejected.append((key, span, verdict))
                else:
                    cues[span] = verdict
            groups[key] = _resolve_overlaps(cues)
        doc.user_data[REJECTED_KEY] = rejected
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Apply the rules to a stream of Docs a batch at a time (see :func:`pipe_in_batches`)."""
        return pipe_in_batches(self, stream, batch_size)

    def _near(
        self, triggers: list[tuple[ContextRule, int, int]]
    ) -> Callable[[Span], list[tuple[ContextRule, int, int]]]:
        """For a candidate, the run of ``triggers`` (sorted by start) that can reach it.

        A trigger in scope overlaps the candidate or stands at most the longest rule window
        away from it, so only those starting between the candidate's start less that window
        and the longest trigger, and its end plus that window, need judging: a long turn then
        costs time in proportion to its length, not to the product of its candidates and its
        triggers. The run keeps the triggers' order, which breaks ties. A turn with few
        triggers gives them all: those out of reach are out of scope, so the verdicts are
        the same.
        """
        if len(triggers) <= FEW_TRIGGERS:  # a short run is judged faster than it is cut
            return lambda span: triggers
        starts = [start for _, start, _ in triggers]
        longest = max((end - start for _, start, end in triggers), default=0)
        reach = self._reach

        def near(span: Span) -> list[tuple[ContextRule, int, int]]:
            first = bisect.bisect_left(starts, span.start - reach - longest)
            return triggers[first : bisect.bisect_right(starts, span.end + reach, first)]

        return near

    def _judge(
        self,
        span: Span,
        rules: tuple[frozenset[str], tuple[str, ...]],
        triggers: list[tuple[ContextRule, int, int]],
        terminators: list[int],
    ) -> tuple[int, int] | str | None:
        """The nearest cue in scope (None: needs none), or the id of the rule that drops it.

        ``rules`` are the ids of the rules that apply to the span and of those it requires
        (:meth:`_rules_for`); ``triggers`` need only be those near the span (:meth:`_near`).
        The scope test is :meth:`_in_scope`'s, written out: it runs for every trigger near
        every candidate.
        """
        applicable, required = rules
        first, last = span.start, span.end
        cue: tuple[int, int] | None = None
        for rule, start, end in triggers:
            if rule.id not in applicable:
                continue
            effect = rule.effect
            if effect == "share":
                continue
            if start < last and first < end:
                # a trigger inside the candidate negates it, but cannot be its own cue
                if effect == "exclude":
                    return rule.id
                continue
            if end <= first:  # trigger precedes the span
                if rule.direction == "following" or first - end > rule.window:
                    continue
                lo, hi = end, first
            else:  # trigger follows the span
                if rule.direction == "preceding" or start - last > rule.window:
                    continue
                lo, hi = last, start
            if terminators:  # no sentence end between trigger and span
                k = bisect.bisect_left(terminators, lo)
                if k < len(terminators) and terminators[k] < hi:
                    continue
            if effect == "exclude":
                return rule.id
            if cue is None or abs(start - first) < abs(cue[0] - first):
                cue = (start, end)
        if required and cue is None:
            return MISSING + ",".join(required)
        return cue

    def _share(
        self,
        spans: list[Span],
        verdicts: list[tuple[int, int] | str | None],
        triggers: list[tuple[ContextRule, int, int]],
        near: Callable[[Span], list[tuple[ContextRule, int, int]]],
        terminators: list[int],
    ) -> None:
        """Let candidates that lack a cue share the one after the list they stand in.

        In "het kenteken en de meldcode, alstublieft" the cue follows the last item only. Two
        candidates are items of one list when the second begins within a ``share`` rule's
        window after the first and every token between them is one of that rule's triggers
        ("en", "de", ","). A candidate missing its cue is kept when the rest of its list ends
        in a cue after an item, of a ``require`` rule that applies to it; lists are walked
        from their end, so that "naam, adres en woonplaats graag" reaches back to "naam". An
        item dropped by an exclusion breaks the list. The shared cue lies beyond the next
        item, so the span is not widened to it.
        """
        order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
        starts = [spans[i].start for i in order]
        sharing = _Sharing([t for t in triggers if t[0].effect == "share"])
        ends_in_cue: dict[int, frozenset[str]] = {}  # item -> rules whose cue ends its list
        for pos in range(len(order) - 1, -1, -1):
            i = order[pos]
            span, verdict = spans[i], verdicts[i]
            if isinstance(verdict, str) and not _is_missing(verdict):
                continue  # excluded: not part of a list
            applicable = self._rules_for_span(span)[0]
            cues = self._cues_after(span, applicable, near(span), terminators)
            # the next item: the first candidate (in order) that starts after this one ends
            k = bisect.bisect_left(starts, span.end, pos + 1)
            nxt = order[k] if k < len(order) else None
            if nxt in ends_in_cue and sharing.listed(span, spans[nxt], applicable):
                cues |= ends_in_cue[nxt] & applicable
            ends_in_cue[i] = cues
            if cues and isinstance(verdict, str):
                verdicts[i] = None  # missing its cue, but its list has one: kept, not widened

    def _cues_after(
        self,
        span: Span,
        rules: frozenset[str],
        triggers: list[tuple[ContextRule, int, int]],
        terminators: list[int],
    ) -> frozenset[str]:
        """The ``require`` rules among ``rules`` with a trigger after ``span``, within scope;
        ``triggers`` need only be those near the span (:meth:`_near`)."""
        return frozenset(
            rule.id
            for rule, start, end in triggers
            if rule.effect == "require"
            and rule.id in rules
            and start >= span.end
            and self._in_scope(rule, start, end, span, terminators)
        )

    def _rules_for_span(self, span: Span) -> tuple[frozenset[str], tuple[str, ...]]:
        """:meth:`_rules_for` the span's pattern, looked up by its id's hash (cached)."""
        known = self._by_pattern_key.get(span.id)
        if known is None:
            known = self._by_pattern_key[span.id] = self._rules_for(span.id_)
        return known

    def _rules_for(self, pattern_id: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """Ids of the rules that apply to a pattern, and of those it requires (cached)."""
        known = self._by_pattern.get(pattern_id)
        if known is None:
            rules = [r for r in self.rules if r.applies_to(pattern_id)]
            required = tuple(sorted({r.id for r in rules if r.effect == "require"}))
            known = self._by_pattern[pattern_id] = (frozenset(r.id for r in rules), required)
        return known

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the rules in use as ``context.jsonl``: a saved pipeline needs no rule file."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        text = self._rules_text
        if text is None:
            packaged = resources.files("empathy_score.patterns").joinpath(CONTEXT_FILE)
            text = packaged.read_text(encoding="utf-8")
        (path / CONTEXT_FILE).write_text(text, encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ContextFilter:
        source = Path(path) / CONTEXT_FILE
        check = token_pattern_check(self.nlp)
        rules = read_context_rules(source, check_token_pattern=check)
        self._use(rules, source.read_text(encoding="utf-8"))
        return self
