"""A TF-IDF vectoriser that gives scikit-learn's exact output, with n-gram ids cached per word.

Scoring spends much of its time turning sentences into TF-IDF vectors (the sentence detectors
and the opening-text model of :mod:`empathy_score.model`). scikit-learn's
:class:`~sklearn.feature_extraction.text.TfidfVectorizer` builds every character n-gram as a
new string and looks each one up, one at a time. But character n-grams inside word
boundaries (``analyzer="char_wb"``) depend on nothing but the word, and conversations reuse
the same few thousand words all day, so :class:`CachedTfidfVectorizer` remembers, per word, the
vocabulary ids of its n-grams, and counts a whole batch at once with numpy.

Fitting is scikit-learn's own; only ``transform`` differs, and its matrix is element for element
the one scikit-learn computes (``tests/unit/test_tfidf.py`` holds it to that). The cache is
bounded,
never pickled, and holds only vocabulary ids: no text is kept beyond the words themselves,
and no word with a digit in it, so no policy number or licence plate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from sklearn.feature_extraction.text import TfidfVectorizer

from .linear import count_matrix as _count_matrix

__all__ = ["CachedTfidfVectorizer"]

#: Words whose n-gram ids are kept; the cache is emptied when it is full (a few MB at most).
#: Words with a digit are not kept: numbers, plates and dates hardly ever come back.
MAX_CACHED_WORDS = 50_000
_DIGIT = re.compile(r"\d")


class CachedTfidfVectorizer(TfidfVectorizer):
    """:class:`~sklearn.feature_extraction.text.TfidfVectorizer` with a fast ``transform``.

    Same parameters, same fit, same output. With ``analyzer="char_wb"`` the n-gram ids of each
    word are cached; with the other analyzers the features are looked up in one pass.
    """

    def _count_vocab(self, raw_documents: Iterable, fixed_vocab: bool):
        if not fixed_vocab:  # fitting: scikit-learn's own code
            return super()._count_vocab(raw_documents, fixed_vocab)
        vocabulary = self.vocabulary_
        ids: list[int] = []
        lengths: list[int] = []
        if self.analyzer == "char_wb":
            cache = self.__dict__.setdefault("_word_ids", {})
            preprocess = self.build_preprocessor()
            decode, squeeze, ngrams = self.decode, self._white_spaces.sub, self._char_wb_ngrams
            for doc in raw_documents:
                before = len(ids)
                for word in squeeze(" ", preprocess(decode(doc))).split():
                    known = cache.get(word)
                    if known is None:
                        known = tuple(vocabulary[g] for g in ngrams(word) if g in vocabulary)
                        # numbers (policy numbers, plates, dates) hardly ever come back
                        if not _DIGIT.search(word):
                            if len(cache) >= MAX_CACHED_WORDS:
                                cache.clear()
                            cache[word] = known
                    ids += known
                lengths.append(len(ids) - before)
        elif self.analyzer == "word" and self.ngram_range == (1, 2) and not self.stop_words:
            # words and word pairs, as scikit-learn's _word_ngrams makes them, without its
            # per-document list of every n-gram
            lookup = vocabulary.get
            tokenize, preprocess, decode = (
                self.build_tokenizer(),
                self.build_preprocessor(),
                self.decode,
            )
            for doc in raw_documents:
                before = len(ids)
                words = tokenize(preprocess(decode(doc)))
                ids += [i for i in map(lookup, words) if i is not None]
                pairs = map(" ".join, pairwise(words))
                ids += [i for i in map(lookup, pairs) if i is not None]
                lengths.append(len(ids) - before)
        else:
            analyze, lookup = self.build_analyzer(), vocabulary.get
            for doc in raw_documents:
                before = len(ids)
                ids += [i for i in map(lookup, analyze(doc)) if i is not None]
                lengths.append(len(ids) - before)
        return vocabulary, _count_matrix(ids, lengths, len(vocabulary), self.dtype)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_word_ids", None)
        # scikit-learn remembers that it checked the stop words by their list's id(): a memory
        # address, different in every process, that made each trained artefact differ in its
        # bytes (and its SHA-256). It checks again, once, after loading.
        state.pop("_stop_words_id", None)
        return state
