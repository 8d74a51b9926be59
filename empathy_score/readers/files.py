"""From paths to text: which files are read, how their bytes are decoded, and the size limits.

Every reader gets its text through :func:`read_text`, which refuses what is missing, empty,
binary or larger than ``max_bytes`` with an error naming the file, and reads text that is not
valid UTF-8 as Windows-1252 with a :class:`~empathy_score.errors.TranscriptWarning`. A call is
then held to :data:`DEFAULT_MAX_TURNS` turns and :data:`MAX_TURN_CHARS` characters a turn
(:func:`check_turns`). :func:`iter_files` and :func:`walk` find the files among the paths given:
folders recursively in sorted order, hidden entries and unsupported extensions skipped, no
folder entered twice, never a pipe or a device.

:class:`ReadOptions` carries the aliases, the anonymous agent's label and the limits to every
format's reader.
"""

from __future__ import annotations

import codecs
import os
import stat
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from empathy_score.errors import TranscriptError, TranscriptWarning
from empathy_score.transcript import DEFAULT_ROLE_ALIASES, Transcript

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_TURNS",
    "MAX_TURN_CHARS",
    "SUPPORTED_SUFFIXES",
    "ReadOptions",
    "check_not_binary",
    "check_turns",
    "decode",
    "file_keys",
    "iter_files",
    "os_error",
    "read_text",
    "too_large",
    "too_many_turns",
    "walk",
    "warn_cp1252",
]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".json", ".jsonl", ".csv", ".tsv", ".vtt", ".srt")
"""File extensions the readers understand (compared case-insensitively)."""

MAX_TURN_CHARS = 100_000
"""The longest turn read, in characters (about two hours of non-stop speech).

A longer "turn" is a file without line breaks or speaker labels rather than speech, and spaCy
refuses texts over a million characters; such a call is reported, not scored.
"""


DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""The largest input read in one piece (10 MiB): a whole file, or one line of a ``.jsonl`` file.

An hour-long call is about 60 kB of text (under 1 MB as diarised JSON with word timings), so a
larger file is almost certainly not one call; refusing it keeps a stray 50 MB log or a
one-line dump from filling memory. Raise it with ``max_bytes=`` for big ``.csv`` exports.
"""

DEFAULT_MAX_TURNS = 20_000
"""The most turns one call may have when read from a file.

An hour-long call has some 500 turns. Scoring holds a spaCy ``Doc`` (about 5 kB, however
short its turn) for every turn of a call until the call is decided, so a 6 MB file of
600,000 one-word "turns" (a log, or several calls run together) would need 3 GB; such a call is
reported as an error naming the line where the limit is crossed. Raise it with ``max_turns=``.
"""


@dataclass(frozen=True)
class ReadOptions:
    """How every reader reads a file: the speaker labels, the anonymous agent and the limits.

    One object for all the formats, so that an option added for one reaches every reader
    without a parameter threaded through each. ``roles`` are aliases already merged over the
    defaults (:func:`~empathy_score.transcript.merge_aliases`).
    """

    roles: Mapping[str, str] = field(default_factory=lambda: DEFAULT_ROLE_ALIASES)
    agent_speaker: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    #: (device, inode) of files a folder walk never reads: the run's own output
    skip: frozenset[tuple[int, int]] = frozenset()
    max_turns: int = DEFAULT_MAX_TURNS

    def __post_init__(self) -> None:
        if self.agent_speaker is not None and (
            not isinstance(self.agent_speaker, str) or not self.agent_speaker.strip()
        ):
            raise ValueError(
                f"agent_speaker must be a non-empty string, got {self.agent_speaker!r}"
            )
        if isinstance(self.max_bytes, bool) or not isinstance(self.max_bytes, int):
            raise ValueError(f"max_bytes must be an integer, got {self.max_bytes!r}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {self.max_bytes}")
        if isinstance(self.max_turns, bool) or not isinstance(self.max_turns, int):
            raise ValueError(f"max_turns must be an integer, got {self.max_turns!r}")
        if self.max_turns < 1:
            raise ValueError(f"max_turns must be positive, got {self.max_turns}")


def os_error(path: Path, error: OSError) -> TranscriptError:
    """The error for a file the system would not open, in words a user acts on."""
    if isinstance(error, FileNotFoundError):
        reason = "no such file or directory"
    elif isinstance(error, IsADirectoryError):
        reason = "is a folder; use iter_transcripts() to read the calls in a folder"
    elif isinstance(error, PermissionError):
        reason = "permission denied"
    else:
        reason = f"cannot read: {error.strerror or error}"
    return TranscriptError(reason, path=path)


def check_not_binary(head: bytes, path: Path) -> None:
    """Refuse a file whose first bytes are UTF-16 or hold a NUL byte: not UTF-8 text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TranscriptError("binary file: looks like UTF-16 text; save it as UTF-8", path=path)
    if b"\x00" in head:
        raise TranscriptError("binary file (contains NUL bytes); expected UTF-8 text", path=path)


def decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 (BOM optional); fall back to Windows-1252. Returns (text, fell_back)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), True


def warn_cp1252(path: Path, line: int | None = None) -> None:
    """Warn that the file (or a ``.jsonl`` line) was read as Windows-1252, not UTF-8."""
    where = str(path) if line is None else f"{path}:{line}"
    warnings.warn(
        f"{where}: not valid UTF-8; read as Windows-1252. Check accented letters "
        "(é, ë, ï…) and save the file as UTF-8 to silence this warning.",
        TranscriptWarning,
        stacklevel=2,
    )


def too_large(what: str, size: int | None, max_bytes: int) -> str:
    """The message for a ``what`` (file, line) over ``max_bytes``; ``size`` if known."""
    size_text = f"{size:,} bytes" if size is not None else "more than that"
    return (
        f"{what} too large: {size_text}, the limit is max_bytes={max_bytes:,}; a call is rarely "
        "over 1 MB, so check that this is a transcript (split it, or raise max_bytes)"
    )


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """A whole file's text; a TranscriptError if it is missing, too large, empty or binary."""
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise TranscriptError(too_large("file", size, max_bytes), path=path)
            data = stream.read(max_bytes + 1)  # a device or growing file may exceed its size
    except OSError as error:
        raise os_error(path, error) from None
    if len(data) > max_bytes:
        raise TranscriptError(too_large("file", None, max_bytes), path=path)
    if not data:
        raise TranscriptError("empty file", path=path)
    check_not_binary(data, path)
    text, fell_back = decode(data)
    if fell_back:
        warn_cp1252(path)
    if not text.strip():
        raise TranscriptError("empty file (only whitespace)", path=path)
    return text


def check_turns(transcript: Transcript, max_turns: int = DEFAULT_MAX_TURNS) -> Transcript:
    """Refuse a call with more than ``max_turns`` turns, or a turn longer than
    :data:`MAX_TURN_CHARS`."""
    if len(transcript.turns) > max_turns:
        raise too_many_turns(max_turns, transcript.source, transcript.turns[max_turns].line)
    for turn in transcript.turns:
        if len(turn.text) > MAX_TURN_CHARS:
            raise TranscriptError(
                f"turn too long: {len(turn.text):,} characters, the limit is {MAX_TURN_CHARS:,}; "
                "is this a file without line breaks or speaker labels?",
                path=transcript.source,
                line=turn.line,
            )
    return transcript


def too_many_turns(
    max_turns: int, source: str | os.PathLike[str] | None, line: int | None
) -> TranscriptError:
    """The error for a call whose turn ``max_turns + 1`` starts at ``line``."""
    return TranscriptError(
        f"too many turns: turn {max_turns + 1:,} starts here, the limit is "
        f"max_turns={max_turns:,}; a call is rarely over 2,000 turns, so check that this is "
        "one call (split it, or raise max_turns)",
        path=source,
        line=line,
    )


def iter_files(
    paths: Iterable[str | os.PathLike[str]], skip: frozenset[tuple[int, int]] = frozenset()
) -> Iterator[Path | TranscriptError]:
    """Every file to read among ``paths``, folders walked (:func:`walk`), in order; an error in
    place of each path that cannot be read (missing paths are left to the reader to report)."""
    for given in paths:
        path = Path(given)
        try:
            is_dir = path.is_dir()
        except OSError as error:
            yield os_error(path, error)
            continue
        if not is_dir:
            if not _is_regular(path):
                yield _not_regular(path)  # a pipe would block the run before any record
            else:
                yield path
            continue
        yield from walk(path, skip)


def _is_regular(path: Path) -> bool:
    """A regular file (after symlinks): the only kind opened, since reading a FIFO or a
    device can block the run forever. A missing or unreadable path counts as one: reading
    it reports that, naming the file."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def _not_regular(path: Path) -> TranscriptError:
    return TranscriptError("not a regular file (a pipe, socket or device): not read", path=path)


def file_keys(paths: Iterable[str | os.PathLike[str]]) -> frozenset[tuple[int, int]]:
    """(device, inode) of each existing file: its identity however its path is spelled."""
    keys = set()
    for path in paths:
        try:
            keys.add(_file_key(os.stat(path)))
        except OSError:
            continue
    return frozenset(keys)


def _file_key(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def walk(
    root: Path, skip: frozenset[tuple[int, int]] = frozenset()
) -> Iterator[Path | TranscriptError]:
    """Supported files under ``root`` in sorted order (never those in ``skip``); unreadable
    folders as errors."""
    visited: set[tuple[int, int]] = set()

    def visit(folder: Path) -> Iterator[Path | TranscriptError]:
        try:
            key = _file_key(folder.stat())
            if key in visited:  # a symlink back to a folder already read: a loop or a duplicate
                return
            visited.add(key)
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            yield TranscriptError(f"cannot read folder: {error.strerror or error}", path=folder)
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                yield from visit(Path(entry.path))
            elif os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES:
                try:
                    status = entry.stat()
                except OSError:  # gone or unreadable: reading it reports that, naming the file
                    status = None
                if status is not None:
                    if not stat.S_ISREG(status.st_mode):
                        yield _not_regular(Path(entry.path))
                        continue
                    if _file_key(status) in skip:
                        continue  # the run's own output, growing as the run reads
                yield Path(entry.path)

    yield from visit(root)
