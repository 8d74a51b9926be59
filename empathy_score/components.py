"""What every component shares (the turn's speaker), and the ASR normalizer.

Registered through the ``spacy_factories`` entry point so that a saved pipeline loads without
importing empathy_score by hand (the rulers are in :mod:`empathy_score.ruler`, the lemmatizer
in :mod:`empathy_score.lemmatizer`, the context pass in :mod:`empathy_score.context`):

- ``empathy_score_normalizer`` – folds speech-recogniser fillers ("eh", "uhm") and stutters
  ("ik ik") into their neighbour token and maps Flemish and spoken forms to a common ``NORM``
  ("ge" → "je"), so that the patterns see fluent Dutch while offsets stay those of the turn.

The speaker of a turn (``doc._.speaker``) is set here too: every component reads it.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.attrs import NORM
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from .errors import PatternError
from .rules import TokenPatternCheck

__all__ = ["Normalizer", "pipe_in_batches", "set_speaker"]

#: Where a turn's speaker is kept: read by every ruler on every turn, so not through ``doc._``
#: (whose lookup costs more than matching a short turn).
SPEAKER_KEY = "empathy_score.speaker"


def _get_speaker(doc: Doc) -> str | None:
    return doc.user_data.get(SPEAKER_KEY)


def _set_speaker(doc: Doc, speaker: str | None) -> None:
    doc.user_data[SPEAKER_KEY] = speaker


#: ``doc._.speaker``: "agent", "customer" or None (unknown: every family runs).
if not Doc.has_extension("speaker"):
    Doc.set_extension("speaker", getter=_get_speaker, setter=_set_speaker)
#: Where the context pass keeps what it dropped (under a plain key, like the speaker).
REJECTED_KEY = "empathy_score.rejected"


def _get_rejected(doc: Doc) -> list[tuple[str, Span, str]] | None:
    return doc.user_data.get(REJECTED_KEY)


def _set_rejected(doc: Doc, rejected: list[tuple[str, Span, str]] | None) -> None:
    doc.user_data[REJECTED_KEY] = rejected


#: ``doc._.empathy_rejected``: list of (spans_key, span, rule id) dropped by the context pass.
if not Doc.has_extension("empathy_rejected"):
    Doc.set_extension("empathy_rejected", getter=_get_rejected, setter=_set_rejected)

#: Which speaker each family listens to.
FAMILY_ROLES = {
    "empathy": ("agent",),
    "data_request": ("agent",),
    "opportunity": ("customer",),
}


def set_speaker(doc: Doc, speaker: str | None) -> Doc:
    """Tell the rulers whose turn this is (the same as ``doc._.speaker = speaker``)."""
    doc.user_data[SPEAKER_KEY] = speaker
    return doc


def pipe_in_batches(
    component: Callable[[Doc], Doc], stream: Iterable[Doc], batch_size: int
) -> Iterator[Doc]:
    """A component's ``pipe``: run it on ``batch_size`` Docs, then pass them on together.

    What :meth:`spacy.Language.pipe` calls with its ``batch_size``, as spaCy's own trainable
    components batch their stream. Taking the Docs one at a time, the pipeline's components
    would take turns on every Doc; batch by batch, each component's code and tables stay in
    the processor's caches while it works through the batch. The Docs come out in order,
    each exactly as ``component(doc)`` leaves it.
    """
    for batch in minibatch(stream, size=batch_size):
        done = [component(doc) for doc in batch]
        yield from done


def token_pattern_check(nlp: Language) -> TokenPatternCheck:
    """spaCy's own validation of a user's token pattern, its complaint fitted on one line.

    Without it spaCy rejects a misspelt attribute only when the pattern is added, with a
    message that names neither the file nor the line (E152, "LOWERR is not supported").
    """

    def check(pattern: list[dict[str, Any]]) -> None:
        try:
            Matcher(nlp.vocab, validate=True).add("check", [pattern])
        except re.error as err:
            raise ValueError(f"invalid REGEX in token pattern: {err}") from None
        except ValueError as err:  # spaCy's MatchPatternError, or one of its E-numbered errors
            problems = [
                line.strip()[2:].replace("[pattern -> 0 -> ", "[")
                for line in str(err).splitlines()
                if line.strip().startswith("- [")
            ]
            raise ValueError(f"invalid token pattern: {'; '.join(problems) or err}") from None

    return check


def _case_variants(form: str) -> set[str]:
    return {form, form.lower(), form.capitalize(), form.upper()}


def _packaged_normalization() -> dict[str, Any]:
    data = resources.files("empathy_score.patterns").joinpath("normalization.json")
    return json.loads(data.read_text(encoding="utf-8"))


@Language.factory(
    "empathy_score_normalizer",
    default_config={"fillers": None, "norms": None, "special_cases": None, "merge_repeats": True},
    assigns=["token.norm"],
)
def make_normalizer(
    nlp: Language,
    name: str,
    fillers: list[str] | None,
    norms: dict[str, str] | None,
    special_cases: dict[str, list[list[str]]] | None,
    merge_repeats: bool,
) -> Normalizer:
    return Normalizer(
        nlp,
        name,
        fillers=fillers,
        norms=norms,
        special_cases=special_cases,
        merge_repeats=merge_repeats,
    )


#: The file a saved pipeline keeps the normalizer's tables in.
NORMALIZATION_FILE = "normalization.json"


class Normalizer:
    """Fold fillers and stutters into neighbouring tokens and give spoken forms a common NORM.

    ``fillers``, ``norms`` and ``special_cases`` (contractions the tokenizer splits, each piece
    with its NORM: ``"da's" -> [["da", "dat"], ["'s", "is"]]``) default to the packaged
    ``patterns/normalization.json``; a saved pipeline keeps the tables it used
    (``normalization.json`` in the component's folder).
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "empathy_score_normalizer",
        *,
        fillers: Iterable[str] | None = None,
        norms: dict[str, str] | None = None,
        special_cases: dict[str, list[list[str]]] | None = None,
        merge_repeats: bool = True,
    ) -> None:
        packaged = _packaged_normalization()
        self.name = name
        self.nlp = nlp
        self.merge_repeats = merge_repeats
        self._use(
            packaged["fillers"] if fillers is None else fillers,
            packaged["norms"] if norms is None else norms,
            packaged["special_cases"] if special_cases is None else special_cases,
        )

    def _use(
        self,
        fillers: Iterable[str],
        norms: dict[str, str],
        special_cases: dict[str, list[list[str]]],
    ) -> None:
        """Set the vocabulary's norms and the tokenizer's special cases from these tables."""
        nlp = self.nlp
        self.fillers = sorted({f.lower() for f in fillers})
        self.norms = dict(norms)
        self.special_cases = dict(special_cases)
        self._filler_set = frozenset(nlp.vocab.strings.add(f) for f in self.fillers)
        for form, norm in self.norms.items():
            for variant in _case_variants(form):
                nlp.vocab[variant].norm_ = norm
        for form, pieces in self.special_cases.items():
            if "".join(p[0] for p in pieces) != form:
                raise PatternError(f"special case {form!r}: pieces must spell the form exactly")
            for variant in _case_variants(form):
                tokens, pos = [], 0
                for orth, norm in pieces:
                    tokens.append({"ORTH": variant[pos : pos + len(orth)], "NORM": norm})
                    pos += len(orth)
                nlp.tokenizer.add_special_case(variant, tokens)

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) < 2:
            return doc
        # read as one array: a Token object per token would cost more than the rest
        norms = doc.to_array(NORM).tolist()
        fillers = self._filler_set
        repeats = self.merge_repeats and any(map(operator.eq, norms, islice(norms, 1, None)))
        if not repeats and fillers.isdisjoint(norms):
            return doc  # most turns: nothing to fold
        noise = [norm in fillers for norm in norms]
        if repeats:
            # "ik ik" and "heel heel" are stutters; repeated punctuation is left alone
            for i in range(1, len(norms)):
                if norms[i] == norms[i - 1] and doc[i].is_alpha:
                    noise[i] = True
        if not any(noise):
            return doc
        kept = [i for i, is_noise in enumerate(noise) if not is_noise]
        if not kept:
            return doc
        # Each kept token absorbs the noise after it; the first also absorbs what precedes it.
        ends = [*kept[1:], len(doc)]
        with doc.retokenize() as retokenizer:
            for idx, keeper in enumerate(kept):
                start = 0 if idx == 0 else keeper
                if ends[idx] - start > 1:
                    span = doc[start : ends[idx]]
                    retokenizer.merge(span, attrs={"NORM": doc[keeper].norm_})
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Normalize a stream of Docs a batch at a time (see :func:`pipe_in_batches`)."""
        return pipe_in_batches(self, stream, batch_size)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the tables in use as ``normalization.json`` (the packaged file's shape)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        tables = {
            "fillers": self.fillers,
            "norms": self.norms,
            "special_cases": self.special_cases,
        }
        (path / NORMALIZATION_FILE).write_text(
            json.dumps(tables, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Normalizer:
        tables = json.loads((Path(path) / NORMALIZATION_FILE).read_text(encoding="utf-8"))
        self._use(tables["fillers"], tables["norms"], tables["special_cases"])
        return self
