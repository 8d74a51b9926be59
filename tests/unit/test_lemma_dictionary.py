"""simplemma's dictionary kept as a trie between runs gives simplemma's own lemmas."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import simplemma

from empathy_score.lemma_dictionary import CACHE_ENV, cache_folder, simplemma_lemmatizer
from empathy_score.rules import FAMILIES, read_patterns

REPO = Path(__file__).resolve().parents[2]


def corpus_words() -> list[str]:
    """Every word of the corpus's customer and agent turns, and every word a pattern names."""
    words: set[str] = set()
    for path in sorted((REPO / "corpora" / "calls").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for turn in json.loads(line)["turns"]:
                words.update(w.strip(".,?!:;\"'()") for w in turn["text"].split())
    for family in FAMILIES:
        for pattern in read_patterns(family):
            if isinstance(pattern["pattern"], str):
                words.update(pattern["pattern"].split())
    return sorted(w for w in words if w)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_trie_gives_the_lemmas_of_simplemmas_own_dictionary(cache):
    words = corpus_words()
    assert len(words) > 3000
    lemmatize = simplemma_lemmatizer()
    assert lemmatize("honden") == "hond"
    assert (cache_folder() / "nl.dic").is_file()  # the trie is in use, not the fallback
    expected = {w: simplemma.lemmatize(w, lang="nl") for w in words}
    found = {w: lemmatize(w) for w in words}
    assert found == expected
    # some of them are real lemmatizations, not the words handed back
    assert found["geschrokken"] != "geschrokken"
    assert sum(found[w] != w for w in words) > 500


def test_the_trie_is_built_once_and_reused_by_a_fresh_process(cache):
    simplemma_lemmatizer()("honden")
    folder = cache_folder()
    built = folder / "nl.dic"
    before = built.stat().st_mtime_ns
    assert [p.name for p in folder.iterdir()] == ["nl.dic"]  # no half-built leftovers
    code = (
        "from empathy_score.lemma_dictionary import simplemma_lemmatizer; "
        "print(simplemma_lemmatizer()('lekte'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == simplemma.lemmatize("lekte", lang="nl")
    assert built.stat().st_mtime_ns == before


def test_an_empty_setting_keeps_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.chdir(tmp_path)
    assert cache_folder() is None
    assert simplemma_lemmatizer()("honden") == "hond"
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_made_falls_back_to_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert simplemma_lemmatizer()("honden") == "hond"
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_damaged_trie_is_rebuilt_not_trusted(cache):
    simplemma_lemmatizer()("honden")
    built = cache_folder() / "nl.dic"
    built.write_bytes(b"\x00" * 64)
    assert simplemma_lemmatizer()("geschrokken") == simplemma.lemmatize("geschrokken", lang="nl")


def test_without_a_setting_the_platforms_user_cache_is_used(monkeypatch):
    from platformdirs import user_cache_dir

    monkeypatch.delenv(CACHE_ENV, raising=False)
    folder = cache_folder()
    assert folder.parent == Path(user_cache_dir("empathy_score", appauthor=False))
    assert folder.name == f"simplemma-{simplemma.__version__}"


def test_it_pickles_without_its_dictionary_and_reopens_it(cache):
    lemmatize = simplemma_lemmatizer()
    assert lemmatize("lekte") == simplemma.lemmatize("lekte", lang="nl")
    shipped = pickle.dumps(lemmatize)  # as a pipeline shipped to a worker
    assert len(shipped) < 1000
    assert pickle.loads(shipped)("geschrokken") == simplemma.lemmatize("geschrokken", lang="nl")
