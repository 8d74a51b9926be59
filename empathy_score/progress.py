"""A progress bar for long scoring runs: calls done, calls per second, errors so far, ETA.

Shown on standard error only when it is a terminal (a log file or a pipe gets nothing), drawn
with ``tqdm`` (a dependency of spaCy). The total, needed for the ETA, is counted in a
background thread (files, and non-blank lines of ``.jsonl`` files) so that scoring starts at
once; until it is known the bar shows the count and the rate alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .readers.files import walk
from .verdict import CallVerdict

__all__ = ["ProgressBar", "count_calls"]


def count_calls(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many calls the paths hold, cheaply: one per file, one per non-blank ``.jsonl`` line.

    An estimate for the ETA (a malformed file still counts as its lines); never raises.
    """
    total = 0
    for given in paths:
        path = Path(given)
        try:
            found = list(walk(path)) if path.is_dir() else [path]
        except OSError:
            found = [path]
        for entry in found:
            if isinstance(entry, Path) and entry.suffix.lower() == ".jsonl":
                try:
                    with entry.open("rb") as stream:
                        total += sum(1 for line in stream if line.strip())
                except OSError:
                    total += 1
            else:
                total += 1
    return total


class ProgressBar:
    """Counts verdicts as they are written; draws a bar when ``stream`` is a terminal.

    Call it with each verdict (it fits :meth:`EmpathyScorer.score_many`'s ``progress``), and
    :meth:`close` it at the end. ``errors`` counts error verdicts whether or not a bar is drawn.

    Parameters
    ----------
    stream:
        Where to draw: standard error.
    enabled:
        ``False`` (``--quiet``) never draws; otherwise the bar is drawn if ``stream`` is a tty.
    paths:
        The inputs, counted in the background for the ETA.
    skip:
        Calls already done (``--resume``), subtracted from the count.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool = True,
        paths: Iterable[str | os.PathLike[str]] = (),
        skip: int = 0,
    ) -> None:
        self.errors = 0
        self._bar = None
        if not (enabled and _is_tty(stream)):
            return
        from tqdm import tqdm

        self._bar = tqdm(
            file=stream,
            unit=" calls",
            desc="empathy-score",
            dynamic_ncols=True,
            smoothing=0.1,
            postfix={"errors": 0},
            leave=True,  # the final count, rate and errors stay above the summary line
        )
        paths = list(paths)
        threading.Thread(target=self._count, args=(paths, skip), daemon=True).start()

    @property
    def shown(self) -> bool:
        """Whether a bar is being drawn."""
        return self._bar is not None

    def _count(self, paths: list[str | os.PathLike[str]], skip: int) -> None:
        total = max(0, count_calls(paths) - skip)
        bar = self._bar
        if bar is not None:
            bar.total = total  # picked up at the next update

    def __call__(self, verdict: CallVerdict) -> None:
        if not verdict.ok:
            self.errors += 1
            if self._bar is not None:
                self._bar.set_postfix(errors=self.errors, refresh=False)
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        """Draw the bar's final state and stop."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
