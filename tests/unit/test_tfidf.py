"""CachedTfidfVectorizer must give scikit-learn's TF-IDF matrix exactly, only faster."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from empathy_score import tfidf
from empathy_score.corpus import load_corpus
from empathy_score.tfidf import CachedTfidfVectorizer

SETTINGS = [
    {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 2, "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (1, 2)},
    {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True},
    {"analyzer": "char", "ngram_range": (2, 4), "lowercase": False},
]


@pytest.fixture(scope="module")
def turns(repo_root):
    """Real turns of the train split: the text the vectorisers are fitted on and then see."""
    calls = [c for c in load_corpus(repo_root / "corpora") if c.split == "train"]
    return [turn.text for call in calls for turn in call.transcript.turns]


def assert_same(expected, actual):
    assert expected.shape == actual.shape
    assert type(expected) is type(actual)
    diff = expected != actual
    assert diff.nnz == 0, f"{diff.nnz} entries differ"
    assert (expected.indices == actual.indices).all()


@pytest.mark.parametrize("params", SETTINGS, ids=lambda p: f"{p['analyzer']}{p['ngram_range']}")
def test_same_matrix_as_scikit_learn_on_real_turns(turns, params):
    fit_on, unseen = turns[::2], turns[1::2]  # the second half has words never fitted on
    reference = TfidfVectorizer(**params).fit(fit_on)
    cached = CachedTfidfVectorizer(**params).fit(fit_on)
    assert cached.vocabulary_ == reference.vocabulary_
    assert_same(reference.transform(unseen), cached.transform(unseen))
    # a second pass answers from the cache, and must not drift
    assert_same(reference.transform(unseen), cached.transform(unseen))


def test_a_full_cache_is_emptied_and_results_stay_exact(turns, monkeypatch):
    monkeypatch.setattr(tfidf, "MAX_CACHED_WORDS", 50)
    params = SETTINGS[0]
    reference = TfidfVectorizer(**params).fit(turns)
    cached = CachedTfidfVectorizer(**params).fit(turns)
    assert_same(reference.transform(turns[:300]), cached.transform(turns[:300]))
    assert 0 < len(cached._word_ids) <= 50


def test_the_cache_is_not_pickled_and_the_copy_still_matches(turns):
    cached = CachedTfidfVectorizer(**SETTINGS[0]).fit(turns)
    expected = cached.transform(turns[:50])
    assert cached._word_ids
    copy = pickle.loads(pickle.dumps(cached))
    assert not hasattr(copy, "_word_ids")
    assert_same(expected, copy.transform(turns[:50]))


def test_empty_and_whitespace_documents(turns):
    docs = ["", "   ", "\n\t", "Wat  vervelend\u00a0voor u.", "ok"]
    reference = TfidfVectorizer(**SETTINGS[0]).fit(turns)
    cached = CachedTfidfVectorizer(**SETTINGS[0]).fit(turns)
    assert_same(reference.transform(docs), cached.transform(docs))


VOCABULARY_TEXT = [
    "Wat vervelend voor u, gaat het een beetje met uw zoon?",
    "Mag ik uw polisnummer? En het kenteken graag.",
    "Mijn hond is aangereden, ik ben helemaal van slag.",
    "Sterkte gewenst en beterschap voor uw dochter!",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=60), min_size=1, max_size=6))
def test_same_matrix_on_any_text(docs):
    for params in SETTINGS:
        reference = TfidfVectorizer(**params).fit(VOCABULARY_TEXT)
        cached = CachedTfidfVectorizer(**params).fit(VOCABULARY_TEXT)
        assert_same(reference.transform(docs), cached.transform(docs))


@pytest.mark.parametrize("n_features", [7, 2**30], ids=["32-bit keys", "64-bit keys"])
def test_counts_match_scipy_whatever_the_width_of_the_keys(n_features):
    """Counting builds (row, id) keys 32 bits wide when they fit and 64 bits when not: the
    matrix is scipy's own COO → CSR result either way, empty rows included."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    lengths = [0, 5, 1, 0, 12, 3, 0]
    ids = rng.integers(0, min(n_features, 6), size=sum(lengths)).tolist()
    ids[0] = n_features - 1  # the highest id there is
    rows = np.repeat(np.arange(len(lengths)), lengths)
    expected = sp.csr_array(
        sp.coo_array((np.ones(len(ids)), (rows, ids)), shape=(len(lengths), n_features))
    )
    expected.sum_duplicates()
    actual = tfidf._count_matrix(ids, lengths, n_features, np.float64)
    assert_same(expected, actual)
    assert (expected.indptr == actual.indptr).all() and (expected.data == actual.data).all()


def assert_close(expected, actual):
    """Same entries in the same places; values equal to rounding (the l2 sums may differ in
    the order of their additions, never by more than a few units in the last place)."""
    import numpy as np

    expected, actual = sp_csr(expected), sp_csr(actual)
    assert expected.shape == actual.shape
    assert (expected.indptr == actual.indptr).all()
    assert (expected.indices == actual.indices).all()
    np.testing.assert_allclose(actual.data, expected.data, rtol=1e-12, atol=0)


def sp_csr(matrix):
    import scipy.sparse as sp

    matrix = sp.csr_array(matrix)
    matrix.sort_indices()
    return matrix


DATA_SETTINGS = [SETTINGS[0], SETTINGS[2], {"analyzer": "char_wb", "ngram_range": (1, 2)}]


@pytest.mark.parametrize(
    "params", DATA_SETTINGS, ids=lambda p: f"{p['analyzer']}{p['ngram_range']}"
)
def test_the_data_only_view_gives_scikit_learn_s_matrix_on_real_turns(turns, params):
    """What a saved model scores with (no scikit-learn): the fitted vectoriser's transform."""
    from empathy_score.linear import TfidfView

    fit_on, unseen = turns[::2], turns[1::2]
    reference = TfidfVectorizer(**params).fit(fit_on)
    view = TfidfView.export(CachedTfidfVectorizer(**params).fit(fit_on))
    assert_close(reference.transform(unseen), view.transform(unseen))
    assert_close(reference.transform(unseen), view.transform(unseen))  # from the word cache


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=60), min_size=1, max_size=6))
def test_the_data_only_view_gives_scikit_learn_s_matrix_on_any_text(docs):
    from empathy_score.linear import TfidfView

    for params in DATA_SETTINGS:
        reference = TfidfVectorizer(**params).fit(VOCABULARY_TEXT)
        view = TfidfView.export(TfidfVectorizer(**params).fit(VOCABULARY_TEXT))
        assert_close(reference.transform(docs), view.transform(docs))


def test_settings_the_data_view_cannot_reproduce_are_refused_on_export():
    from empathy_score.linear import TfidfView

    for params in ({"analyzer": "char"}, {"strip_accents": "unicode"}, {"stop_words": ["de"]}):
        with pytest.raises(ValueError, match="cannot export"):
            TfidfView.export(TfidfVectorizer(**params).fit(VOCABULARY_TEXT))
