"""What a phrase pattern is matched as, worked out without building a ``Doc`` where possible.

A ``PhraseMatcher`` compares one token attribute (``ORTH``, ``LOWER`` or ``NORM``) along the
turn with the same attribute along each phrase. The phrase's values are what the tokenizer and
the vocabulary would give it, so the usual way in is ``nlp.make_doc(phrase)``. The packaged
families expand to many thousands of phrases, most of them plain words with single spaces, and
a ``Doc`` per phrase (with a new lexeme per new word) was the larger part of loading the
pipeline. For such phrases :class:`PhraseKeys` gives the values straight from the vocabulary,
as a tuple that ``PhraseMatcher.add`` takes in place of a ``Doc``; every other phrase still
goes through the tokenizer.

A plain word is one that the tokenizer leaves whole: letters only, and not one of the
tokenizer's special cases (which may split "das" or give a word another norm). A word the
vocabulary already knows keeps that lexeme's value (the normalizer sets norms on lexemes);
a new word gets the value the vocabulary would give its new lexeme.
"""

from __future__ import annotations

from spacy.attrs import LEMMA, LOWER, NORM, ORTH
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["PhraseKeys"]

_LEXEME_ATTRS = {ORTH: "orth", LOWER: "lower", NORM: "norm"}


class PhraseKeys:
    """The match keys of phrases and single words on one token attribute of a pipeline."""

    def __init__(self, nlp: Language, attr: int) -> None:
        self.nlp = nlp
        self.attr = attr
        self._vocab = nlp.vocab
        self._strings = nlp.vocab.strings
        self._name = _LEXEME_ATTRS.get(attr)
        self._getter = nlp.vocab.lex_attr_getters.get(attr)
        self._special = nlp.tokenizer.rules or {}
        self._known: dict[str, int] = {}  # the packaged phrases repeat their words many times

    def phrase(self, text: str) -> tuple[int, ...] | Doc:
        """The phrase as ``PhraseMatcher.add`` takes it: the tokens' attribute values, or the
        tokenized ``Doc`` when the phrase is more than plain words."""
        words = text.split(" ")
        if self._name is None or not all(w.isalpha() and w not in self._special for w in words):
            return self.nlp.make_doc(text)
        return tuple(map(self.word, words))

    def word(self, word: str) -> int:
        """The attribute's value for ``word`` as one token (no tokenizing): for ``LEMMA``, the
        word itself, as a pattern's lemma is written."""
        if word in self._known:
            return self._known[word]
        if self.attr == LEMMA:
            return self._strings.add(word)
        if self._name is None:
            raise ValueError(f"no lexeme attribute {self._strings[self.attr]!r} to match words on")
        if word in self._vocab:
            key = getattr(self._vocab[word], self._name)
        elif self._getter is None:  # ORTH: the word itself
            key = self._strings.add(word)
        else:
            key = self._strings.add(self._getter(word))
        self._known[word] = key
        return key
