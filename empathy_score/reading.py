"""Reading calls: the entry points that pick a reader by the file's extension.

Seven file formats are read, each by its own module under :mod:`empathy_score.readers`:

``.txt``
    One turn per line as ``Label: text``: :mod:`empathy_score.readers.text`.
``.json``, ``.jsonl``
    One call, or one call per line, as ``{"id", "meta", "turns"}``; diarised speech-to-text
    segments are told from these by their shape: :mod:`empathy_score.readers.json_calls`.
``.csv``, ``.tsv``
    One row per turn, many calls per file: :mod:`empathy_score.readers.tabular`.
``.vtt``, ``.srt``
    Subtitle-style speech-to-text output: :mod:`empathy_score.readers.subtitles`.

When speaker labels are anonymous (``SPEAKER_00``, ``Spreker 1``), the readers infer which
speaker is the agent (:mod:`empathy_score.readers.roles`) and record the guess on
``meta["role_inference"]``; ``agent_speaker=`` names the agent instead. No input is read whole
if it is larger than ``max_bytes`` (:data:`~empathy_score.readers.files.DEFAULT_MAX_BYTES`; for
``.jsonl`` per line), and a call of more than ``max_turns`` turns
(:data:`~empathy_score.readers.files.DEFAULT_MAX_TURNS`) is reported, not scored.

:func:`load_transcript` reads one call and raises :class:`~empathy_score.errors.TranscriptError`
when it cannot. :func:`iter_transcripts` reads many (files, folders, ``.jsonl`` lines) and yields
a ``TranscriptError`` *in place of* every input it cannot read, so that a batch job can report
each failure and carry on; a call whose id was already read becomes such an error too
(:func:`flag_duplicate_ids`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from empathy_score.errors import TranscriptError
from empathy_score.readers import json_calls, text
from empathy_score.readers.files import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TURNS,
    SUPPORTED_SUFFIXES,
    ReadOptions,
    check_turns,
    file_keys,
    iter_files,
    os_error,
)
from empathy_score.readers.text import parse_text
from empathy_score.transcript import Transcript, merge_aliases

if TYPE_CHECKING:
    from empathy_score.seen import SeenIds

__all__ = [
    "flag_duplicate_ids",
    "iter_calls",
    "iter_transcripts",
    "load_transcript",
    "parse_text",
]

# Files holding many calls: load_transcript() insists on exactly one.
_MULTI_CALL_SUFFIXES = (".jsonl", ".csv", ".tsv")


def load_transcript(
    path: str | os.PathLike[str],
    *,
    aliases: Mapping[str, str] | None = None,
    agent_speaker: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> Transcript:
    """Read one call from a ``.txt``, ``.json``, ``.vtt`` or ``.srt`` file, or a single-call
    ``.jsonl``, ``.csv`` or ``.tsv`` file.

    The id is the JSON ``"id"`` (or the table's ``call_id``) if there is one, else the file name
    without its extension.
    Files are UTF-8 (a byte-order mark is fine); a file that is not valid UTF-8 is read as
    Windows-1252 with a :class:`~empathy_score.errors.TranscriptWarning`.

    Parameters
    ----------
    path
        The file.
    aliases
        Extra speaker labels (label -> ``"agent"`` or ``"customer"``), merged over
        :data:`DEFAULT_ROLE_ALIASES`; case-insensitive.
    agent_speaker
        For anonymous speakers (``SPEAKER_01``): the label of the agent, instead of inferring
        it. Ignored when the file names its roles (``Agent``, ``Klant``).
    max_bytes
        The largest file read (for ``.jsonl``: the largest line); see :data:`DEFAULT_MAX_BYTES`.
    max_turns
        The most turns a call may have; see :data:`DEFAULT_MAX_TURNS`.

    Returns
    -------
    Transcript

    Raises
    ------
    TranscriptError
        If the file is missing or unreadable, empty, binary, too large (or its call has too
        many turns), of an unsupported type,
        malformed, or (``.jsonl``, ``.csv``, ``.tsv``) holds more than one call. The message
        names the file and, where known, the line.
    ValueError
        If ``aliases`` maps a label to anything but ``"agent"`` or ``"customer"``, or
        ``agent_speaker``, ``max_bytes`` or ``max_turns`` is not valid.
    """
    options = ReadOptions(merge_aliases(aliases), agent_speaker, max_bytes, max_turns=max_turns)
    path = Path(path)
    if path.is_dir():
        raise os_error(path, IsADirectoryError())
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(path)
    if path.suffix.lower() not in _MULTI_CALL_SUFFIXES:
        return check_turns(_load_one(path, options), options.max_turns)
    calls = _read_file(path, options)
    first = next(calls)
    if isinstance(first, TranscriptError):
        raise first
    second = next(calls, None)
    if second is not None:
        raise TranscriptError(
            "holds more than one call; use iter_transcripts() to read them all", path=path
        )
    return first


def iter_transcripts(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    aliases: Mapping[str, str] | None = None,
    agent_speaker: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> Iterator[Transcript | TranscriptError]:
    """Read many calls, lazily, accounting for every input.

    Folders are walked recursively in sorted order (by name; files and sub-folders alike),
    following symbolic links but never entering a folder twice. Inside folders only files with a
    :data:`SUPPORTED_SUFFIXES` extension are read, and hidden entries (names starting with
    ``"."``) are skipped; files named explicitly are always read. Files are read one at a time,
    ``.jsonl`` files line by line.

    Whatever cannot be read, a missing path, a file, one ``.jsonl`` line or one call of a
    ``.csv`` file, is yielded as a :class:`~empathy_score.errors.TranscriptError` *in its
    place*, not raised, so that the caller can emit an error record and continue with the rest.
    So is every call whose id was already read (naming where it was first read): results keyed
    by id must not silently overwrite each other.

    Parameters
    ----------
    paths
        A file or folder, or an iterable of them.
    aliases
        Extra speaker labels (label -> ``"agent"`` or ``"customer"``), merged over
        :data:`DEFAULT_ROLE_ALIASES`; case-insensitive.
    agent_speaker
        For anonymous speakers (``SPEAKER_01``): the label of the agent in every call, instead
        of inferring it. Ignored for files that name their roles; a call with anonymous
        speakers none of which has this label is an error.
    max_bytes
        The largest file read (for ``.jsonl``: the largest line); see :data:`DEFAULT_MAX_BYTES`.
    max_turns
        The most turns a call may have; see :data:`DEFAULT_MAX_TURNS`.

    Yields
    ------
    Transcript or TranscriptError
        In input order, then sorted walk order, then line order.

    Raises
    ------
    ValueError
        Immediately (not on first iteration) if ``aliases`` maps a label to anything but
        ``"agent"`` or ``"customer"``, or ``agent_speaker``, ``max_bytes`` or ``max_turns`` is
        not valid.
    """
    calls = iter_calls(paths, aliases, agent_speaker, max_bytes, max_turns=max_turns)
    return flag_duplicate_ids(calls)


def iter_calls(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    aliases: Mapping[str, str] | None = None,
    agent_speaker: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Iterable[str | os.PathLike[str]] = (),
    *,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> Iterator[Transcript | TranscriptError]:
    """:func:`iter_transcripts` without its duplicate-id check, for a caller that runs one
    across all its inputs (the scorer): checking twice would cost a digest lookup per call
    more, and would count "call N of this run" from the start of each path, not of the run.

    Folder walks never read the ``exclude`` files (compared as files, however spelled)."""
    options = ReadOptions(
        merge_aliases(aliases), agent_speaker, max_bytes, file_keys(exclude), max_turns
    )
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return _iter_paths(paths, options)


def flag_duplicate_ids(
    entries: Iterable[Transcript | TranscriptError], seen: SeenIds | dict[str, str] | None = None
) -> Iterator[Transcript | TranscriptError]:
    """Pass calls through, replacing each whose id was already seen with a TranscriptError.

    The first call with an id is kept; every later one becomes an error located at its own file
    (and line) that names where the first was read, so both can be found and fixed.

    Parameters
    ----------
    entries
        Calls and errors, e.g. from :func:`iter_transcripts`; errors pass unchanged.
    seen
        Ids already read, mapped to where (``"file:line"``); updated in place, so that one
        record can span several streams. A :class:`~empathy_score.seen.SeenIds` by default,
        which stays small over millions of calls.
    """
    if seen is None:
        from empathy_score.seen import SeenIds  # numpy: imported when duplicates are checked

        seen = SeenIds()
    for entry in entries:
        if isinstance(entry, Transcript):
            line = entry.turns[0].line
            place = entry.source or "a Transcript given in memory"
            if entry.source is not None and line is not None:
                place = f"{entry.source}:{line}"
            first = seen.get(entry.id)
            if first is not None:
                yield TranscriptError(
                    f"duplicate id {entry.id!r}: already read from {first}; "
                    'give every call its own id (file name, or "id" / call_id)',
                    path=entry.source,
                    line=line if entry.source is not None else None,
                )
                continue
            seen[entry.id] = place
        yield entry


def _iter_paths(
    paths: Iterable[str | os.PathLike[str]], options: ReadOptions
) -> Iterator[Transcript | TranscriptError]:
    for found in iter_files(paths, options.skip):
        if isinstance(found, TranscriptError):
            yield found
        else:
            yield from _read_file(found, options)


def _read_file(path: Path, options: ReadOptions) -> Iterator[Transcript | TranscriptError]:
    """Yield every call in one file, or an error in place of what cannot be read."""
    for entry in _read_formats(path, options):
        if isinstance(entry, Transcript):
            try:
                check_turns(entry, options.max_turns)
            except TranscriptError as error:
                entry = error
        yield entry


def _read_formats(path: Path, options: ReadOptions) -> Iterator[Transcript | TranscriptError]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield _unsupported(path)
    elif suffix == ".jsonl":
        yield from json_calls.iter_file(path, options)
    elif suffix in (".csv", ".tsv"):
        from empathy_score.readers import tabular  # csv: imported when a table is read

        yield from tabular.iter_file(path, options)
    else:
        try:
            yield _load_one(path, options)
        except TranscriptError as error:
            yield error


def _load_one(path: Path, options: ReadOptions) -> Transcript:
    """Read a .txt, .json, .vtt or .srt file: exactly one call."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return text.load_file(path, options)
    if suffix in (".vtt", ".srt"):
        from empathy_score.readers import subtitles  # webvtt, srt: imported when needed

        return subtitles.load_file(path, options)
    return json_calls.load_file(path, options)


def _unsupported(path: Path) -> TranscriptError:
    if not path.exists():  # a missing file is reported as missing, whatever its name
        return os_error(path, FileNotFoundError())
    return TranscriptError(
        f"unsupported file type {path.suffix or '(none)'!r}; "
        f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
        path=path,
    )
