"""Dutch lemmas for the customer's turns, with compounds read by their head.

Callers tell their trouble in inflected and compound words ("het lekte", "ik heb oorpijn",
"een kettingbotsing"); a pattern that names the lemma (``lekken``, ``pijn``, ``botsing``)
should find them all. The ``empathy_score_lemmatizer`` component sets ``token.lemma_`` from a
lookup table (no pretrained model), and gives a compound whose last part is one of the
lexicon's ``compound_heads`` the lemma of that head: the head decides what a Dutch compound
is (``oorpijn`` is a pain, ``waterschade`` a damage). Token patterns then match on ``LEMMA``.

Two lookup sources are supported: ``simplemma`` (the packaged default, chosen because it knows
far more Dutch verb forms) and spaCy's own Dutch table from ``spacy-lookups-data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import IS_TITLE, LEMMA, NORM
from spacy.language import Language
from spacy.tokens import Doc

from .errors import PatternError

__all__ = ["SOURCES", "Lemmatizer", "lookup_table"]

#: Where the lemmas come from; see the module docstring.
SOURCES = ("simplemma", "spacy-lookups")
#: A compound's first part must be at least this long ("oor" in "oorpijn").
MIN_MODIFIER = 3
#: Words remembered per lemmatizer before the cache starts afresh (names and numbers are
#: endless; the everyday words come back at once).
CACHE_SIZE = 100_000
SPEAKER_KEY = "empathy_score.speaker"
#: After these a capital starts a sentence; elsewhere it marks a name.
SENTENCE_ENDS = frozenset({".", "!", "?", "…", "...", ":", ";", '"', "'", "-", "("})


def lookup_table(source: str):
    """A function from a lower-case word to its lemma (or None) for the given source."""
    if source == "simplemma":
        from .lemma_dictionary import simplemma_lemmatizer

        lemmatize = simplemma_lemmatizer()

        def by_simplemma(word: str) -> str | None:
            lemma = lemmatize(word)
            return lemma.lower() if lemma else None

        return by_simplemma
    if source == "spacy-lookups":
        from spacy.lookups import load_lookups

        table = load_lookups("nl", ["lemma_lookup"]).get_table("lemma_lookup")
        return lambda word: table.get(word)
    raise PatternError(f"unknown lemma source {source!r}; known: {', '.join(SOURCES)}")


@Language.factory(
    "empathy_score_lemmatizer",
    default_config={"source": "simplemma", "compound_heads": None, "roles": ["customer"]},
    assigns=["token.lemma"],
)
def make_lemmatizer(
    nlp: Language,
    name: str,
    source: str,
    compound_heads: list[str] | None,
    roles: list[str],
) -> Lemmatizer:
    return Lemmatizer(nlp, name, source=source, compound_heads=compound_heads, roles=roles)


class Lemmatizer:
    """Set ``token.lemma_`` on the turns of the given roles (and on turns of no known speaker).

    Once the rulers have noted the words their patterns name by lemma (:meth:`want`), only
    turns holding one of those get lemmas: on the others no ``LEMMA`` pattern can match.

    ``compound_heads`` defaults to the packaged lexicon's list of that name; passing it in the
    config keeps it in a saved pipeline.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "empathy_score_lemmatizer",
        *,
        source: str = "simplemma",
        compound_heads: Iterable[str] | None = None,
        roles: Sequence[str] = ("customer",),
    ) -> None:
        if compound_heads is None:
            from .rules import load_lexicon

            compound_heads = load_lexicon().get("compound_heads", ())
        self.name = name
        self.source = source
        self.roles = tuple(roles)
        self.compound_heads = sorted({h.lower() for h in compound_heads}, key=len, reverse=True)
        self._heads = tuple(self.compound_heads)
        self._strings = nlp.vocab.strings
        self._lookup = lookup_table(source)
        self._cache: dict[int, int] = {}
        #: lemmas some pattern names (None: lemmatize every turn); see :meth:`want`
        self._wanted: set[int] | None = None

    def lemma_of(self, word: str) -> str:
        """The lemma the patterns see for one lower-case word (itself when none is known)."""
        if not word.replace("-", "").isalpha():  # numbers, codes, plates: nothing to look up
            return word
        if word.endswith(self._heads):  # one C-level test for all heads, then which one
            for head in self.compound_heads:
                if word.endswith(head) and len(word) - len(head) >= MIN_MODIFIER:
                    return self._lookup(head) or head
        return self._lookup(word) or word

    def __call__(self, doc: Doc) -> Doc:
        speaker = doc.user_data.get(SPEAKER_KEY)
        if speaker is not None and speaker not in self.roles:
            return doc
        cache = self._cache
        norms = doc.to_array(NORM).tolist()
        lemmas = []
        for norm in norms:
            lemma = cache.get(norm)
            if lemma is None:
                if len(cache) >= CACHE_SIZE:
                    cache.clear()
                word = self._strings[norm]
                found = self.lemma_of(word)
                # a lemma other than the word itself is a word of the table (a bounded set,
                # kept for good); unknown words, names and numbers keep their own string
                lemma = norm if found == word else self._strings.add(found, allow_transient=False)
                cache[norm] = lemma
            lemmas.append(lemma)
        wanted = self._wanted
        if wanted is not None and wanted.isdisjoint(lemmas):
            return doc  # no word any pattern names by its lemma: nothing to match on lemmas
        self._keep_names(doc, norms, lemmas)
        if wanted is not None and wanted.isdisjoint(lemmas):
            return doc
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype="uint64").reshape(-1, 1))
        return doc

    @staticmethod
    def _keep_names(doc: Doc, norms: list[int], lemmas: list[int]) -> None:
        """A capitalised word inside a sentence is a name and keeps its own form: the town of
        Zwolle is not a form of ``zwellen`` (to swell)."""
        titles = doc.to_array(IS_TITLE)
        if not titles.any():
            return
        for i in numpy.flatnonzero(titles).tolist():
            if i and doc[i - 1].text not in SENTENCE_ENDS:
                lemmas[i] = norms[i]

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Lemmatize a stream of Docs (what :meth:`spacy.Language.pipe` calls)."""
        for doc in stream:
            yield self(doc)

    def want(self, words: Iterable[str]) -> None:
        """Note words that patterns name by their lemma (in any form).

        Once any are noted, a turn gets its lemmas only when one of its words has a noted
        lemma: a pattern on ``LEMMA`` can match nothing else, and most turns have none.
        """
        if self._wanted is None:
            self._wanted = set()
        for word in words:
            for form in (word.lower(), self.lemma_of(word.lower())):
                self._wanted.add(self._strings.add(form, allow_transient=False))

    # The state is the config; nothing to serialise beyond it.
    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        pass

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> Any:
        return self
