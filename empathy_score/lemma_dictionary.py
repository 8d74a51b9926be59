"""simplemma's Dutch dictionary, kept between runs as a trie in the user's cache folder.

simplemma ships its dictionaries compressed and decodes the whole Dutch one (370,000 forms) in
Python the first time a word is looked up: a noticeable part of a fresh process's start-up,
paid again by every worker, and tens of megabytes of dict per process. simplemma's own
``TrieDictionaryFactory`` keeps the same dictionary as a MARISA trie in a file, which loads
in milliseconds and takes a few megabytes; the lemmas are the same, as it holds the same
forms. The file is built once per simplemma version (under a second) and then reused.

Where the file goes: ``$EMPATHY_SCORE_CACHE_DIR`` if set (an empty value keeps nothing on
disk), else the platform's user cache folder (``~/.cache/empathy_score`` on Linux). The file
holds simplemma's dictionary only, never transcript text. It is written under a temporary name
and renamed into place, so processes starting together never read half a file. When the
folder cannot be written, the dictionary is decoded in memory as simplemma does by default.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["CACHE_ENV", "DutchLemmas", "cache_folder", "simplemma_lemmatizer"]

#: The environment variable that chooses the cache folder ("" for none).
CACHE_ENV = "EMPATHY_SCORE_CACHE_DIR"
LANG = "nl"
_TRIE_FILE = f"{LANG}.dic"  # the name simplemma's TrieDictionaryFactory reads and writes

logger = logging.getLogger(__name__)


def cache_folder() -> Path | None:
    """The folder of this simplemma version's tries, or None when caching is switched off."""
    import simplemma

    configured = os.environ.get(CACHE_ENV)
    if configured is not None and not configured.strip():
        return None
    if configured is not None:
        root = Path(configured)
    else:
        from platformdirs import user_cache_dir

        root = Path(user_cache_dir("empathy_score", appauthor=False))
    return root / f"simplemma-{simplemma.__version__}"


def _built_trie(folder: Path) -> bool:
    """Build the Dutch trie into ``folder`` unless it is there; False when it cannot be."""
    from simplemma.strategies.dictionaries import TrieDictionaryFactory

    target = folder / _TRIE_FILE
    if target.is_file():
        return True
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=folder))
    except OSError as error:
        logger.debug("no dictionary cache in %s: %s", folder, error)
        return False
    try:
        TrieDictionaryFactory(disk_cache_dir=str(scratch)).get_dictionary(LANG)
        os.replace(scratch / _TRIE_FILE, target)  # atomic: a reader sees all of it or none
        return True
    except OSError as error:
        logger.debug("could not keep the dictionary in %s: %s", folder, error)
        return target.is_file()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class DutchLemmas:
    """simplemma's ``lemmatize`` for Dutch (its default strategies), over the cached trie when
    there can be one and over the in-memory dictionary otherwise.

    Opened at the first word, and pickled without the dictionary: a pipeline shipped to a
    worker reopens the trie there instead of carrying it along.
    """

    def __init__(self) -> None:
        self._lemmatize: Callable[[str], str] | None = None

    def __call__(self, word: str) -> str:
        if self._lemmatize is None:
            self._lemmatize = _open()
        return self._lemmatize(word)

    def __getstate__(self) -> dict[str, object]:
        return {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._lemmatize = None


def simplemma_lemmatizer() -> DutchLemmas:
    """simplemma's Dutch lemmas, through the dictionary cache (see :class:`DutchLemmas`)."""
    return DutchLemmas()


def _open() -> Callable[[str], str]:
    import simplemma

    folder = cache_folder()
    if folder is None or not _built_trie(folder):
        return lambda word: simplemma.lemmatize(word, lang=LANG)
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries import TrieDictionaryFactory

    factory = TrieDictionaryFactory(disk_cache_dir=str(folder))
    lemmatizer = simplemma.Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)
    )
    return lambda word: lemmatizer.lemmatize(word, LANG)
