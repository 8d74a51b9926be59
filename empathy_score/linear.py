"""The classifier's fitted pieces as plain data, and their predictions in numpy and scipy.

A model file must not be able to run code when it is loaded, so the shipped classifier is not a
pickle of scikit-learn objects but what those objects learned: vocabularies and
hyper-parameters as JSON, weights, idf vectors, intercepts and calibration parameters as numpy
arrays (read with ``allow_pickle=False``), all in one zip archive (see :func:`write_archive`).
This module computes, from that data alone, exactly what the fitted scikit-learn objects
compute:

- :class:`TfidfView`: ``TfidfVectorizer.transform`` with ``analyzer="char_wb"`` or ``"word"``,
  lowercase, sublinear tf, idf and l2 norm (the settings :mod:`empathy_score.tfidf` fits);
- :class:`TfidfUnion`: a ``FeatureUnion`` of views, side by side;
- :class:`LinearHead`: a binary ``LogisticRegression``'s ``predict_proba``;
- :class:`SigmoidCalibrated`: ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``
  around views of call records and a head: ``p = 1 / (1 + exp(a * f + b))``.

scikit-learn is needed to fit (``empathy-score train``), never to score. The ``export``
functions read a fitted scikit-learn object's attributes without importing scikit-learn, and
refuse settings that this module does not reproduce.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "ArchiveError",
    "LinearHead",
    "SigmoidCalibrated",
    "TfidfUnion",
    "TfidfView",
    "read_archive",
    "write_archive",
]

#: Words whose n-gram ids are kept; the cache is emptied when it is full (a few MB at most).
#: Words with a digit are not kept: numbers, plates and dates hardly ever come back.
MAX_CACHED_WORDS = 50_000
_DIGIT = re.compile(r"\d")
WORD_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default token_pattern
ANALYZERS = ("char_wb", "word")
NORMS = ("l2", None)

#: The archive member holding the JSON description; every other member is one ``.npy`` array.
SPEC_MEMBER = "model.json"
#: Every member's timestamp: the archive's bytes depend on the model alone.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: A model archive larger than this, unpacked, is refused before anything is decompressed.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024


class ArchiveError(ValueError):
    """The bytes are not a well-formed model archive (the caller names the file)."""


# --- the archive ---------------------------------------------------------------------------


def write_archive(spec: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> bytes:
    """The model as archive bytes: ``model.json`` and one ``<name>.npy`` per array.

    Byte for byte the same for the same model: members in name order, a fixed timestamp and
    file mode, JSON with sorted keys, arrays little-endian and C-ordered in ``.npy`` 1.0.
    """
    buffer = io.BytesIO()
    members = {SPEC_MEMBER: _canonical_json(spec)}
    for name in sorted(arrays):
        if not re.fullmatch(r"[a-z0-9_.]+", name) or name + ".npy" == SPEC_MEMBER:
            raise ValueError(f"bad array name {name!r}")
        array = np.ascontiguousarray(arrays[name])
        if array.dtype.kind not in "fiub":
            raise ValueError(f"array {name!r}: dtype {array.dtype} is not numeric")
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        npy = io.BytesIO()
        np.lib.format.write_array(npy, array, version=(1, 0), allow_pickle=False)
        members[f"{name}.npy"] = npy.getvalue()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name], compresslevel=6)
    return buffer.getvalue()


def read_archive(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(spec, arrays) from archive bytes already in memory; nothing in them can run code.

    The JSON is parsed with :mod:`json` and each array with ``allow_pickle=False``. Anything
    unexpected (another member, an object array, a huge member) is an :class:`ArchiveError`.
    """
    if not data.startswith(b"PK\x03\x04"):
        raise ArchiveError("not a model archive (a zip of model.json and .npy arrays)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise ArchiveError("the archive names a member twice")
        if SPEC_MEMBER not in names:
            raise ArchiveError(f"the archive has no {SPEC_MEMBER}")
        if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise ArchiveError("the archive unpacks to more than 512 MB")
        spec = json.loads(archive.read(SPEC_MEMBER).decode("utf-8"))
        arrays = {}
        for name in names:
            if name == SPEC_MEMBER:
                continue
            if not re.fullmatch(r"[a-z0-9_.]+\.npy", name):
                raise ArchiveError(f"unexpected archive member {name!r}")
            array = np.lib.format.read_array(io.BytesIO(archive.read(name)), allow_pickle=False)
            arrays[name[: -len(".npy")]] = array
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError, EOFError) as err:
        raise ArchiveError(f"unreadable model archive: {err}") from None
    if not isinstance(spec, dict):
        raise ArchiveError(f"{SPEC_MEMBER} is not a JSON object")
    return spec, arrays


def _canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def array(arrays: Mapping[str, np.ndarray], name: Any, shape: tuple[int | None, ...]):
    """The float64 array ``name`` of ``arrays``, checked for shape and finite values."""
    if not isinstance(name, str) or name not in arrays:
        raise ArchiveError(f"missing array {name!r}")
    value = arrays[name]
    if value.dtype != np.float64 or value.ndim != len(shape):
        raise ArchiveError(f"array {name!r} is {value.dtype} of {value.ndim} dimensions")
    if any(want is not None and want != got for want, got in zip(shape, value.shape, strict=True)):
        raise ArchiveError(f"array {name!r} has shape {value.shape}, expected {shape}")
    if not np.isfinite(value).all():
        raise ArchiveError(f"array {name!r} holds NaN or infinity")
    return value


def _field(spec: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str):
    value = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ArchiveError(f"{where}: {key!r} is missing or not {getattr(kind, '__name__', kind)}")
    return value


# --- TF-IDF --------------------------------------------------------------------------------


class TfidfView:
    """A fitted TF-IDF vectoriser's ``transform``, from its vocabulary, idf and settings.

    Character n-grams inside word boundaries depend on the word alone, so their vocabulary ids
    are cached per word (as :class:`empathy_score.tfidf.CachedTfidfVectorizer` does), without
    any word holding a digit; each as a small int32 array, which a batch joins in one
    ``numpy.concatenate`` (and which takes a fifth of the memory of a tuple of ints).
    """

    def __init__(
        self,
        *,
        analyzer: str,
        ngram_range: tuple[int, int],
        lowercase: bool,
        sublinear_tf: bool,
        norm: str | None,
        vocabulary: Sequence[str],
        idf: np.ndarray,
    ) -> None:
        if analyzer not in ANALYZERS:
            raise ArchiveError(f"analyzer {analyzer!r} is not one of {ANALYZERS}")
        if norm not in NORMS:
            raise ArchiveError(f"norm {norm!r} is not one of {NORMS}")
        low, high = ngram_range
        if not 1 <= low <= high <= 10:
            raise ArchiveError(f"bad ngram_range {ngram_range}")
        if len(set(vocabulary)) != len(vocabulary) or idf.shape != (len(vocabulary),):
            raise ArchiveError("a vocabulary repeats a term or does not match its idf")
        self.analyzer = analyzer
        self.ngram_range = (low, high)
        self.lowercase = lowercase
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.terms = list(vocabulary)
        self.idf = idf
        self._vocabulary = {term: i for i, term in enumerate(self.terms)}
        self._tokenize = re.compile(WORD_PATTERN).findall
        self._word_ids: dict[str, np.ndarray] = {}

    @property
    def n_features(self) -> int:
        return len(self.terms)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_word_ids"] = {}  # a cache, not part of the model
        del state["_tokenize"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._tokenize = re.compile(WORD_PATTERN).findall

    def _char_wb_ids(self, word: str) -> tuple[int, ...]:
        """The vocabulary ids of a word's padded character n-grams, as scikit-learn makes them."""
        lookup = self._vocabulary.get
        padded = f" {word} "
        length = len(padded)
        low, high = self.ngram_range
        ids = []
        for n in range(low, high + 1):
            offset = 0
            ids.append(lookup(padded[offset : offset + n]))
            while offset + n < length:
                offset += 1
                ids.append(lookup(padded[offset : offset + n]))
            if offset == 0:  # a short word (shorter than n) counts once
                break
        return tuple(i for i in ids if i is not None)

    def _char_wb_counts(self, documents: Sequence[str]) -> sp.csr_array:
        """Character n-gram counts of ``documents``, as (documents × words) @ (words × n-grams).

        A word's n-grams do not depend on its neighbours, so each document is counted as the
        words it holds, and each distinct word of the batch as the n-grams it holds; the sparse
        product adds them up. A batch repeats its words many times over, so this lists one id
        per word where counting n-grams directly would list some thirty.
        """
        if self.lowercase:
            documents = [doc.lower() for doc in documents]
        # str.split() splits at runs of the whitespace scikit-learn squeezes first
        tokens = [doc.split() for doc in documents]
        distinct = dict.fromkeys(chain.from_iterable(tokens))  # in the order first met
        if not distinct:  # not a word in the batch
            return count_matrix([], [0] * len(tokens), self.n_features, np.float64)
        cache = self._word_ids
        grams: list[np.ndarray] = []  # the cached words' n-gram ids, the second factor's rows
        column: dict[str, int] = {}  # word -> its row in the second factor
        numbers: list[tuple[str, tuple[int, ...]]] = []  # words not cached, and their ids
        for word in distinct:
            ids = cache.get(word)
            if ids is None:
                listed = self._char_wb_ids(word)
                # numbers (policy numbers, plates, dates) hardly ever come back
                if _DIGIT.search(word):
                    numbers.append((word, listed))
                    continue
                if len(cache) >= MAX_CACHED_WORDS:
                    cache.clear()
                ids = cache[word] = np.array(listed, dtype=np.int32)
            column[word] = len(grams)
            grams.append(ids)
        lengths = list(map(len, grams))
        for word, listed in numbers:  # their rows come last
            column[word] = len(lengths)
            lengths.append(len(listed))
        if numbers:
            flat = chain.from_iterable(listed for _, listed in numbers)
            grams.append(np.fromiter(flat, dtype=np.int32))
        # Counts are whole numbers, exact in any order: neither factor needs sorting, and
        # the product sums each (row, id) once. Through CSC and back, its ids come out
        # sorted (two linear passes), the canonical form scikit-learn's matrices have.
        words = np.fromiter(map(column.__getitem__, chain.from_iterable(tokens)), np.int32)
        by_word = _ones(words, list(map(len, tokens)), len(lengths))
        of_word = _ones(np.concatenate(grams), lengths, self.n_features)
        matrix = sp.csr_array((by_word @ of_word).tocsc().tocsr())
        matrix.has_canonical_format = True
        return matrix

    def transform(self, documents: Sequence[str]) -> sp.csr_array:
        """TF-IDF rows of ``documents``: counts, sublinear tf, idf, then each row's l2 norm."""
        if self.analyzer == "char_wb":
            matrix = self._char_wb_counts(documents)
        else:
            ids: list[int] = []
            lengths: list[int] = []
            lookup = self._vocabulary.get
            low, high = self.ngram_range
            for doc in documents:
                before = len(ids)
                words = self._tokenize(doc.lower() if self.lowercase else doc)
                for n in range(low, high + 1):
                    if n == 1:
                        grams: Iterable[str] = words
                    elif n == 2:  # word pairs, the usual longest n-gram, joined without slicing
                        grams = map(" ".join, pairwise(words))
                    else:
                        grams = (" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
                    ids += [i for i in map(lookup, grams) if i is not None]
                lengths.append(len(ids) - before)
            matrix = count_matrix(ids, lengths, self.n_features, np.float64)
        data = matrix.data
        if self.sublinear_tf:
            np.log(data, out=data)
            data += 1.0
        data *= self.idf[matrix.indices]
        if self.norm == "l2":
            n_rows = matrix.shape[0]
            rows = np.repeat(np.arange(n_rows), np.diff(matrix.indptr))
            # summed one entry after another, in order, as scikit-learn's row normaliser does
            norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_rows))
            norms[norms == 0.0] = 1.0
            data /= norms[rows]
        return matrix

    def to_spec(self, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        spec = {
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "lowercase": self.lowercase,
            "sublinear_tf": self.sublinear_tf,
            "norm": self.norm,
            "token_pattern": WORD_PATTERN if self.analyzer == "word" else None,
            "vocabulary": self.terms,
            "idf": f"{prefix}.idf",
        }
        return spec, {f"{prefix}.idf": self.idf}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], arrays: Mapping[str, np.ndarray], where: str):
        vocabulary = _field(spec, "vocabulary", list, where)
        if not all(isinstance(t, str) for t in vocabulary):
            raise ArchiveError(f"{where}: the vocabulary holds a non-string")
        ngram_range = _field(spec, "ngram_range", list, where)
        if len(ngram_range) != 2 or not all(type(n) is int for n in ngram_range):
            raise ArchiveError(f"{where}: bad ngram_range {ngram_range}")
        analyzer = _field(spec, "analyzer", str, where)
        if analyzer == "word" and spec.get("token_pattern") != WORD_PATTERN:
            raise ArchiveError(f"{where}: only the token pattern {WORD_PATTERN!r} is supported")
        norm = spec.get("norm")
        return cls(
            analyzer=analyzer,
            ngram_range=(ngram_range[0], ngram_range[1]),
            lowercase=_field(spec, "lowercase", bool, where),
            sublinear_tf=_field(spec, "sublinear_tf", bool, where),
            norm=norm if norm is None else str(norm),
            vocabulary=vocabulary,
            idf=array(arrays, spec.get("idf"), (len(vocabulary),)),
        )

    @classmethod
    def export(cls, vectorizer: Any) -> TfidfView:
        """The data of a fitted scikit-learn ``TfidfVectorizer``; other settings are refused."""
        params = vectorizer.get_params()
        expected = {
            "binary": False,
            "input": "content",
            "preprocessor": None,
            "tokenizer": None,
            "stop_words": None,
            "strip_accents": None,
            "token_pattern": WORD_PATTERN,
            "use_idf": True,
            "dtype": np.float64,
        }
        different = {k: params[k] for k, v in expected.items() if params[k] != v}
        if different or params["analyzer"] not in ANALYZERS:
            raise ValueError(f"cannot export a TF-IDF vectoriser with {different or params}")
        terms = [""] * len(vectorizer.vocabulary_)
        for term, index in vectorizer.vocabulary_.items():
            terms[index] = term
        return cls(
            analyzer=params["analyzer"],
            ngram_range=tuple(params["ngram_range"]),
            lowercase=bool(params["lowercase"]),
            sublinear_tf=bool(params["sublinear_tf"]),
            norm=params["norm"],
            vocabulary=terms,
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        )


class TfidfUnion:
    """Views side by side (scikit-learn's ``FeatureUnion``); each view may read a record key."""

    def __init__(self, views: Sequence[tuple[str | None, TfidfView]]) -> None:
        self.views = list(views)

    @property
    def n_features(self) -> int:
        return sum(view.n_features for _, view in self.views)

    def transform(self, items: Sequence[Any]) -> sp.csr_array:
        blocks = [
            view.transform([item[key] for item in items] if key is not None else items)
            for key, view in self.views
        ]
        return sp.hstack(blocks, format="csr")

    def to_spec(self, prefix: str) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
        specs, arrays = [], {}
        for n, (key, view) in enumerate(self.views):
            spec, data = view.to_spec(f"{prefix}.{n}")
            specs.append({"key": key, **spec})
            arrays.update(data)
        return specs, arrays

    @classmethod
    def from_spec(cls, specs: Any, arrays: Mapping[str, np.ndarray], where: str) -> TfidfUnion:
        if not isinstance(specs, list) or not specs:
            raise ArchiveError(f"{where}: no TF-IDF views")
        views = []
        for n, spec in enumerate(specs):
            key = spec.get("key") if isinstance(spec, Mapping) else None
            if key is not None and not isinstance(key, str):
                raise ArchiveError(f"{where}[{n}]: bad record key {key!r}")
            views.append((key, TfidfView.from_spec(spec, arrays, f"{where}[{n}]")))
        return cls(views)


# --- linear models -------------------------------------------------------------------------


def _logistic(value: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-value))
    except OverflowError:  # exp(-value) beyond the largest float: the limit is 0
        return 0.0


def expit(values: np.ndarray) -> np.ndarray:
    """The logistic sigmoid, equal to the bit to ``scipy.special.expit``.

    Both divide by ``1 + exp(-x)`` with the C library's ``exp``; numpy's vectorised ``exp``
    differs from it in the last bit for about 2% of inputs, which would move written
    probabilities. Importing ``scipy.special`` would cost a tenth of a second at start-up for
    one small array per batch.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = np.fromiter(map(_logistic, values.ravel().tolist()), np.float64, values.size)
    return flat.reshape(values.shape)


class LinearHead:
    """A binary logistic regression's ``decision_function`` and ``predict_proba``."""

    def __init__(self, coef: np.ndarray, intercept: float) -> None:
        self.coef = np.ascontiguousarray(coef, dtype=np.float64).reshape(1, -1)
        self.intercept = np.array([intercept], dtype=np.float64)

    def decision_function(self, features) -> np.ndarray:
        return np.asarray(features @ self.coef.T + self.intercept).reshape(-1)

    def predict_proba(self, features) -> np.ndarray:
        """(n, 2): probabilities of the negative and the positive class."""
        p = expit(self.decision_function(features))
        return np.stack([1 - p, p], axis=1)

    @classmethod
    def export(cls, regression: Any) -> LinearHead:
        """The weights of a fitted binary scikit-learn ``LogisticRegression`` (classes F, T)."""
        classes = [bool(c) for c in regression.classes_]
        if classes != [False, True] or regression.coef_.shape[0] != 1:
            raise ValueError(f"cannot export a regression over classes {regression.classes_}")
        return cls(regression.coef_[0], float(regression.intercept_[0]))


class SigmoidCalibrated:
    """Views of a record, a linear head, and a sigmoid on its decision (Platt scaling).

    As ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``:
    ``p = 1 / (1 + exp(a * f + b))`` for the head's decision ``f``.
    """

    def __init__(self, union: TfidfUnion, head: LinearHead, a: float, b: float) -> None:
        if head.coef.shape[1] != union.n_features:
            raise ArchiveError(
                f"{head.coef.shape[1]} weights for {union.n_features} TF-IDF features"
            )
        self.union = union
        self.head = head
        self.a = a
        self.b = b

    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        decision = self.head.decision_function(self.union.transform(records))
        p = expit(-(self.a * decision + self.b))
        return np.stack([1.0 - p, p], axis=1)

    @classmethod
    def export(cls, calibrated: Any, keys: Sequence[str]) -> SigmoidCalibrated:
        """The data of a fitted ``CalibratedClassifierCV`` around Pipeline(FeatureUnion, LR).

        ``keys`` are the record keys the union's views select, in order.
        """
        if len(calibrated.calibrated_classifiers_) != 1:
            raise ValueError("only ensemble=False calibration can be exported")
        inner = calibrated.calibrated_classifiers_[0]
        if inner.method != "sigmoid" or len(inner.calibrators) != 1:
            raise ValueError(f"cannot export {inner.method} calibration")
        union, regression = (step for _, step in inner.estimator.steps)
        if union.transformer_weights:
            raise ValueError("cannot export weighted feature unions")
        views = []
        for key, (_, pipeline) in zip(keys, union.transformer_list, strict=True):
            selector, vectorizer = (step for _, step in pipeline.steps)
            if getattr(selector.func, "key", None) != key:
                raise ValueError(f"the view for {key!r} reads {selector.func!r}")
            views.append((key, TfidfView.export(vectorizer)))
        calibrator = inner.calibrators[0]
        return cls(
            TfidfUnion(views),
            LinearHead.export(regression),
            float(calibrator.a_),
            float(calibrator.b_),
        )


def _ones(ids: list[int] | np.ndarray, lengths: list[int], n_columns: int) -> sp.csr_array:
    """Rows of ``lengths`` entries each, the ``ids`` in turn, every entry 1.0 (ids may repeat
    within a row and are not sorted: a factor of a product, not a result)."""
    indptr = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.asarray(ids, dtype=np.int32)
    return sp.csr_array((np.ones(indices.size), indices, indptr), shape=(len(lengths), n_columns))


def count_matrix(ids: list[int], lengths: list[int], n_features: int, dtype) -> sp.csr_array:
    """Term counts as a canonical CSR matrix: each row's feature ids sorted, each once.

    ``ids`` holds every document's feature ids one document after another, ``lengths`` how
    many each has. One sort of (row, id) keys for the whole batch replaces scipy's COO → CSR
    conversion, which sorts every row on its own and was the larger part of the counting.
    The keys are 32-bit whenever they fit, and few arrays are made: each is a few MB, and
    under an allocator that hands every freed MB back to the system (as a Dask nanny sets
    its workers up to do) every new one costs page faults.
    """
    n_rows = len(lengths)
    key_type = np.int32 if n_rows * n_features < 2**31 else np.int64
    keys = np.array(ids, dtype=key_type)
    keys += np.repeat(np.arange(0, n_rows * n_features, n_features, dtype=key_type), lengths)
    keys.sort()
    first = np.empty(keys.size, dtype=bool)  # where a run of equal keys begins
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.empty(starts.size, dtype=dtype)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
    counts[-1:] = keys.size - starts[-1:]
    keys = keys[starts]  # each (row, id) once, in order
    row_starts = np.arange(0, (n_rows + 1) * n_features, n_features, dtype=key_type)
    indptr = np.searchsorted(keys, row_starts).astype(np.int32)
    np.remainder(keys, n_features, out=keys)  # the feature ids
    matrix = sp.csr_array(
        (counts, keys.astype(np.int32, copy=False), indptr), shape=(n_rows, n_features)
    )
    matrix.has_canonical_format = True  # sorted, no duplicates: as scikit-learn leaves it
    return matrix
