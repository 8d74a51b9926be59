"""Learned sentence-level detectors that fill the gaps the rules leave in the opening of a call.

Rules find what they were written for; agents and callers phrase things nobody listed. These
detectors are logistic regressions over TF-IDF character and word n-grams of single sentences
(one per task: opportunity, data request, each marker category), trained on the sentences of
the train split. They only *add* evidence, only in turns where the rules found none of its
kind, so that their findings go through the same verdict logic as the rules':

- a learned **opportunity** is a customer sentence before the first data request, labelled
  ``distress``;
- a learned **marker** is an agent sentence with its most likely category, anywhere in the
  call; a sentence that also holds a data request is left alone, since the order inside it is
  unknown;
- a learned **data request**, up to the rules' first one, needs a field name the rules saw but
  did not count (no request cue in scope): the detector decides whether that sentence asks
  for it.

Evidence they add carries the rule id ``learned.<task>`` so it is always clear which findings
came from the model. The decision threshold (0.8) is deliberately high: at it, adding learned
evidence raised turn-level F1 on dev for every task without lowering precision much.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from spacy.tokens import Doc

from .components import REJECTED_KEY
from .transcript import AGENT, CUSTOMER, Transcript
from .verdict import CallVerdict, Evidence, verdict_from_evidence

__all__ = [
    "TASKS",
    "FieldCandidates",
    "SentenceDetectors",
    "field_candidates",
    "sentences",
    "training_examples",
]

MARKER_TASKS = ("acknowledge_feelings", "ask_wellbeing", "wish_well")
TASKS = ("opportunity", "data_request", *MARKER_TASKS)
THRESHOLD = 0.8
#: Turns that count as the opening when the rules found no data request.
OPENING_TURNS = 6

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a turn (the whole turn when it has no punctuation)."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            spans.append((start, end))
    return spans or [(0, len(text))]


#: Per turn: (label, start, end) of each field name the context pass set aside, for want of a
#: request cue in scope. All the detectors need of a call's Docs, so that those can be dropped.
FieldCandidates = tuple[tuple[tuple[str, int, int], ...], ...]


def field_candidates(docs: Sequence[Doc]) -> FieldCandidates:
    """The field names each turn's context pass set aside (see :data:`FieldCandidates`).

    Read from where ``doc._.empathy_rejected`` keeps them, without ``doc._``'s cost per turn.
    """
    rejected = [doc.user_data.get(REJECTED_KEY) or () for doc in docs]
    return tuple(
        tuple(
            (span.label_, span.start_char, span.end_char)
            for key, span, _reason in turn
            if key == "data_request" and span.id_.startswith("dr.field.")
        )
        for turn in rejected
    )


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _gold_spans(gold: Mapping[str, Any], key: str, turn: int, text: str):
    """(item, character span) of the gold evidence of one kind in one turn."""
    for item in gold.get(key, []):
        if item["turn"] == turn:
            start = text.find(item["text"])
            if start >= 0:
                yield item, (start, start + len(item["text"]))


def training_examples(
    calls: Iterable[tuple[Transcript, Mapping[str, Any]]],
) -> dict[str, tuple[list[str], list[bool]]]:
    """Sentence texts and gold labels per task, from transcripts and their gold records.

    A sentence is positive for a task when a gold evidence text of that task lies in it.
    """
    data: dict[str, tuple[list[str], list[bool]]] = {task: ([], []) for task in TASKS}

    def add(task: str, sentence: str, label: bool) -> None:
        data[task][0].append(sentence)
        data[task][1].append(label)

    for transcript, gold in calls:
        for index, turn in enumerate(transcript.turns):
            opportunities = [s for _, s in _gold_spans(gold, "opportunities", index, turn.text)]
            requests = [s for _, s in _gold_spans(gold, "data_requests", index, turn.text)]
            markers = [
                (m["category"], s) for m, s in _gold_spans(gold, "markers", index, turn.text)
            ]
            for span in sentences(turn.text):
                sentence = turn.text[span[0] : span[1]].lower()
                if turn.speaker == CUSTOMER:
                    add("opportunity", sentence, any(_overlaps(s, span) for s in opportunities))
                    continue
                add("data_request", sentence, any(_overlaps(s, span) for s in requests))
                for task in MARKER_TASKS:
                    hit = any(c == task and _overlaps(s, span) for c, s in markers)
                    add(task, sentence, hit)
    return data


class SentenceDetectors:
    """One logistic regression per task over one shared sentence vectoriser.

    The vectoriser (TF-IDF of character 3–5-grams and of words and word pairs) is fitted on
    every training sentence once; each task has its own regression on top. Sharing it means
    a sentence is vectorised once however many tasks ask about it.
    """

    def __init__(self, c: float = 5.0, threshold: float = THRESHOLD) -> None:
        self.c = c
        self.threshold = threshold

    def fit(self, examples: Mapping[str, tuple[Sequence[str], Sequence[bool]]]):
        """Fit the shared vectoriser on all sentences, then every task's regression."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_union

        from .tfidf import CachedTfidfVectorizer

        sentences = sorted({t for task in TASKS for t in examples[task][0]})
        self.vectorizer_ = make_union(
            CachedTfidfVectorizer(
                analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True
            ),
            CachedTfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        ).fit(sentences)
        self.heads_ = {}
        for task in TASKS:
            texts, labels = examples[task]
            head = LogisticRegression(C=self.c, max_iter=3000, class_weight="balanced")
            self.heads_[task] = head.fit(self.vectorizer_.transform(list(texts)), list(labels))
        return self

    def _scores(self, texts: list[str], kinds: list[str]) -> dict[str, Iterator[Any]]:
        """Per kind of ask, an iterator over its sentences' probabilities, in ask order.

        Every sentence of the batch is vectorised in one go, whatever it is asked about:
        vectorising is the cost, and a call per task would pay its overhead three times.
        """
        if not texts:
            return {}
        features = self.vectorizer_.transform(texts)
        rows = {kind: [i for i, k in enumerate(kinds) if k == kind] for kind in set(kinds)}
        scores: dict[str, Iterator[Any]] = {}
        for kind, index in rows.items():
            subset = features[index]
            if kind == "marker":
                columns = [self.heads_[t].predict_proba(subset)[:, 1] for t in MARKER_TASKS]
                scores[kind] = iter(zip(*(c.tolist() for c in columns), strict=True))
            else:
                scores[kind] = iter(self.heads_[kind].predict_proba(subset)[:, 1].tolist())
        return scores

    def augment_many(
        self, items: Sequence[tuple[Transcript, FieldCandidates, CallVerdict]]
    ) -> list[CallVerdict]:
        """Each verdict with learned evidence added where the rules found none (see module).

        The sentences of all calls are classified together, one batch per task: far cheaper
        than a call at a time.
        """
        # (call, task, turn, span, field-span or None) for every sentence worth asking about
        asks: list[tuple[int, str, int, tuple[int, int], Any]] = []
        for n, (transcript, fields, verdict) in enumerate(items):
            asks.extend((n, *ask) for ask in self._candidates(transcript, fields, verdict))
        scores = self._scores(
            [items[n][0].turns[turn].text[a:b].lower() for n, _, turn, (a, b), _ in asks],
            [task for _, task, _, _, _ in asks],
        )
        added: list[dict[str, list[Evidence]]] = [
            {"opportunities": [], "markers": [], "requests": []} for _ in items
        ]
        opportunity_turns: set[tuple[int, int]] = set()
        for n, task, turn, (a, b), field in asks:
            text = items[n][0].turns[turn].text
            if task == "opportunity":
                p = next(scores["opportunity"])
                if p >= self.threshold and (n, turn) not in opportunity_turns:
                    opportunity_turns.add((n, turn))
                    added[n]["opportunities"].append(
                        Evidence(turn, "distress", text[a:b], a, b, "learned.opportunity")
                    )
            elif task == "data_request":
                if next(scores["data_request"]) >= self.threshold:
                    label, start, end = field
                    added[n]["requests"].append(
                        Evidence(turn, label, text[start:end], start, end, "learned.data_request")
                    )
            else:
                probabilities = dict(zip(MARKER_TASKS, next(scores["marker"]), strict=True))
                best = max(MARKER_TASKS, key=probabilities.__getitem__)
                if probabilities[best] >= self.threshold:
                    added[n]["markers"].append(
                        Evidence(turn, best, text[a:b], a, b, f"learned.{best}")
                    )
        out = []
        for (transcript, _fields, verdict), extra in zip(items, added, strict=True):
            requests = [*verdict.data_requests, *extra["requests"]]
            request_spans = [(e.turn, (e.start, e.end)) for e in requests]
            # a learned marker in a sentence that also asks for data: order unknown, leave it
            markers = [
                m
                for m in extra["markers"]
                if not any(t == m.turn and _overlaps((m.start, m.end), s) for t, s in request_spans)
            ]
            if not (extra["opportunities"] or markers or extra["requests"]):
                out.append(verdict)
                continue
            out.append(
                verdict_from_evidence(
                    transcript,
                    markers=[*verdict.markers, *markers],
                    requests=requests,
                    opportunities=[*verdict.opportunities, *extra["opportunities"]],
                )
            )
        return out

    @staticmethod
    def _candidates(transcript: Transcript, fields: FieldCandidates, verdict: CallVerdict):
        """The sentences worth asking a detector about, per task (see the module docstring)."""
        turns = transcript.turns
        first = verdict.first_data_request_turn
        last = first if first is not None else min(len(turns), OPENING_TURNS) - 1
        with_opportunity = {e.turn for e in verdict.opportunities}
        with_marker = {e.turn for e in verdict.markers}
        rule_requests: dict[int, list[tuple[int, int]]] = {}  # turn -> its requests' spans
        for e in verdict.data_requests:
            rule_requests.setdefault(e.turn, []).append((e.start, e.end))
        for i in range(first if first is not None else len(turns)):
            if turns[i].speaker == CUSTOMER and i not in with_opportunity:
                for span in sentences(turns[i].text):
                    yield "opportunity", i, span, None
        for i in range(first if first is not None else last + 1):
            if turns[i].speaker != AGENT:
                continue
            for field in fields[i]:
                sentence = next(
                    (s for s in sentences(turns[i].text) if s[0] <= field[1] < s[1]),
                    (0, len(turns[i].text)),
                )
                yield "data_request", i, sentence, field
        for i in range(len(turns)):
            if turns[i].speaker == AGENT and i not in with_marker:
                requests = rule_requests.get(i, ())
                for span in sentences(turns[i].text):
                    if not any(_overlaps(span, s) for s in requests):
                        yield "marker", i, span, None
