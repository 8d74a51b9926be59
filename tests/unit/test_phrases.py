"""Phrase patterns matched from the vocabulary give the keys the tokenizer would give."""

from __future__ import annotations

import pytest
from spacy.attrs import LOWER, NORM, ORTH
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from empathy_score import load_nlp
from empathy_score.phrases import PhraseKeys
from empathy_score.rules import FAMILIES, read_context_rules, read_patterns

ATTRS = {ORTH: "orth", LOWER: "lower", NORM: "norm"}


@pytest.fixture(scope="module")
def nlp():
    # the full pipeline: its normalizer has set norms on lexemes ("ge" -> "je") and added
    # special cases to the tokenizer ("das" -> "da" "s")
    return load_nlp()


def tokenized(nlp, attr: int, text: str) -> tuple[int, ...]:
    return tuple(getattr(token.lex, ATTRS[attr]) for token in nlp.make_doc(text))


def packaged_phrases() -> list[str]:
    phrases = [p["pattern"] for f in FAMILIES for p in read_patterns(f)]
    phrases += [phrase for rule in read_context_rules() for phrase in rule.phrases]
    return [p for p in phrases if isinstance(p, str)]


def test_every_packaged_phrase_has_the_keys_the_tokenizer_gives(nlp):
    keys = PhraseKeys(nlp, NORM)
    phrases = packaged_phrases()
    plain = 0
    for text in phrases:
        found = keys.phrase(text)
        if isinstance(found, Doc):
            assert found.text == text
            continue
        plain += 1
        assert found == tokenized(nlp, NORM, text), text
    # most of them never need a Doc: that is what this module is for
    assert plain > 0.8 * len(phrases)


@pytest.mark.parametrize("attr", [ORTH, LOWER, NORM])
@pytest.mark.parametrize(
    "text",
    [
        "Wat Erg",  # capitals: ORTH keeps them, LOWER and NORM fold them
        "wat een pech voor je",
        "ge zijt er vroeg bij",  # normalizer norms on lexemes: "ge" -> "je", "zijt" -> "bent"
        "ik schrok me een hoedje",
        "café geïrriteerd één",  # letters with diacritics stay one token
        "Nooitgedachtewoordvandaag",  # a word the vocabulary has never seen
    ],
)
def test_plain_words_are_read_from_the_vocabulary(nlp, attr, text):
    found = PhraseKeys(nlp, attr).phrase(text)
    assert isinstance(found, tuple)
    assert found == tokenized(nlp, attr, text)


@pytest.mark.parametrize(
    "text",
    [
        "zo'n schrik",  # an apostrophe: the tokenizer decides
        "das heel vervelend",  # a special case the tokenizer splits
        "kunde dat herhalen",
        "wat  erg",  # two spaces make a space token
        " wat erg",
        "wat erg!",
        "3 keer gebeld",
        "e-mail",
    ],
)
def test_anything_but_plain_words_goes_through_the_tokenizer(nlp, text):
    found = PhraseKeys(nlp, NORM).phrase(text)
    assert isinstance(found, Doc)
    assert [t.text for t in found] == [t.text for t in nlp.make_doc(text)]


def test_a_matcher_built_from_keys_finds_what_one_built_from_docs_finds(nlp):
    phrases = ["wat vervelend", "ge zijt", "das heel vervelend", "zo'n schrik", "gecondoleerd"]
    keys = PhraseKeys(nlp, NORM)
    from_keys = PhraseMatcher(nlp.vocab, attr="NORM")
    from_docs = PhraseMatcher(nlp.vocab, attr="NORM")
    for i, phrase in enumerate(phrases):
        from_keys.add(f"p{i}", [keys.phrase(phrase)])
        from_docs.add(f"p{i}", [nlp.make_doc(phrase)])
    text = "Ge zijt vroeg. Wat vervelend, das heel vervelend, zo'n schrik. Gecondoleerd."
    doc = nlp(text)
    assert from_keys(doc) == from_docs(doc)
    assert len(from_keys(doc)) == 5


def test_single_words_of_token_patterns(nlp):
    assert PhraseKeys(nlp, LOWER).word("Pijn") == nlp.vocab["Pijn"].lower
    assert PhraseKeys(nlp, NORM).word("ge") == nlp.vocab.strings["je"]
    with pytest.raises(ValueError, match="POS"):
        PhraseKeys(nlp, nlp.vocab.strings["POS"]).word("hond")
