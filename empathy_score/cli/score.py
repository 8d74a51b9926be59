"""``empathy-score score``: one record per call, written whole, and a run that stops cleanly.

Records are written as they come, each flushed, so that a crash or a stop leaves only whole
records and ``--resume`` continues. Ctrl-C and SIGTERM (:data:`STOP`) wait until the record
being written is whole. The output file is checked before any work, so that a run never
overwrites its inputs or an earlier run's work unasked. The scorer (spaCy, numpy) is imported
when the command runs, not when the command line is read.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TextIO

from ..errors import EmpathyScoreError
from ..table import csv_columns, csv_row, strict_json
from ..verdict import CallVerdict, Evidence
from .exit_codes import EXIT_INPUT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED
from .options import scorer_for


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that both take the same orderly way out."""


class StopSignals:
    """Turns Ctrl-C and SIGTERM into exceptions in the main thread, never inside a record.

    Entered around a command: SIGTERM raises :class:`Terminated` (else the process would die
    on the spot, with no resume hint and its workers left running), and Ctrl-C raises
    ``KeyboardInterrupt`` as before. Inside :meth:`held` (writing a record) a signal waits
    until the record is whole, so that a stop never tears a line. Handlers are installed only
    over the defaults, from the main thread, and put back on exit; a SIGINT that the shell
    ignores (a background job) stays ignored.
    """

    def __init__(self) -> None:
        self._previous: dict[int, object] = {}
        self._holding = False
        self._pending: KeyboardInterrupt | None = None

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum, default in (
                (signal.SIGINT, signal.default_int_handler),
                (signal.SIGTERM, signal.SIG_DFL),
            ):
                if signal.getsignal(signum) is default:
                    self._previous[signum] = signal.signal(signum, self._stop)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()
        self._pending = None

    def _stop(self, signum: int, frame: object) -> None:
        stop = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
        if self._holding:
            self._pending = self._pending or stop
            return
        raise stop

    @contextlib.contextmanager
    def held(self):
        """A stretch that a stop signal does not cut: it is raised when the stretch ends."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        stop, self._pending = self._pending, None
        if stop is not None:
            raise stop


STOP = StopSignals()


class _Writer:
    """Writes verdicts as they come, one complete record (line) at a time, each flushed.

    A crash can therefore only ever cut the last record short (``--resume`` repairs that).
    CSV columns are ``columns`` when given (a resumed run's header, or ``--columns``), else
    chosen at the first verdict (:func:`csv_columns`); the header is written then too.
    """

    def __init__(
        self,
        stream: TextIO,
        fmt: str,
        *,
        header: bool = True,
        columns: Sequence[str] | None = None,
    ) -> None:
        self.stream = stream
        self.fmt = fmt
        self.header = header
        self.columns = tuple(columns) if columns else None
        self._csv: csv.DictWriter | None = None

    def _csv_writer(self, first: CallVerdict | None) -> csv.DictWriter:
        if self._csv is None:
            columns = self.columns or csv_columns(first)
            self._csv = csv.DictWriter(
                self.stream, fieldnames=columns, lineterminator="\n", extrasaction="ignore"
            )
            if self.header:
                self._csv.writeheader()
        return self._csv

    def write(self, verdict: CallVerdict) -> None:
        if self.fmt == "csv":
            writer = self._csv_writer(verdict)
            writer.writerow(csv_row(verdict, writer.fieldnames))
        else:
            record = strict_json(verdict.to_dict())
            self.stream.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Write the header of a CSV output that got no record (an empty run still has one)."""
        if self.fmt == "csv" and self._csv is None:
            self._csv_writer(None)
            self.stream.flush()


def _summary(counts: dict[str, int], resumed: int = 0) -> str:
    earlier = f" ({resumed} from an earlier run)" if resumed else ""
    guessed = counts.get("low_confidence", 0)
    roles = (
        f"; {guessed} with a low-confidence guess of the agent speaker "
        "(meta.role_inference; set it with --agent-speaker)"
        if guessed
        else ""
    )
    return (
        f"empathy-score: {counts['calls']} calls{earlier}, {counts['ok']} scored, "
        f"{counts['error']} errors; {counts['opportunity']} with an opportunity, "
        f"{counts['straight_to_data']} straight to data{roles}"
    )


def low_confidence(meta: object) -> bool:
    """Whether a call's speaker roles were guessed with low confidence (readers/roles.py)."""
    guess = meta.get("role_inference") if isinstance(meta, Mapping) else None
    return isinstance(guess, dict) and bool(guess.get("low_confidence"))


def redacted_verdict(verdict: CallVerdict) -> CallVerdict:
    """The verdict with personal data masked in the evidence texts it carries (``--redact``),
    and in its error message, which may quote the offending line of the transcript."""
    from ..redact import redact, redact_error

    def mask(found: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
        return tuple(replace(evidence, text=redact(evidence.text)) for evidence in found)

    return replace(
        verdict,
        error=redact_error(verdict.error, verdict.source) if verdict.error else verdict.error,
        markers=mask(verdict.markers),
        data_requests=mask(verdict.data_requests),
        opportunities=mask(verdict.opportunities),
    )


def _local_dask_cluster(jobs: int, *, quiet: bool):
    """A Dask cluster on this machine, for trying ``--backend dask`` without a scheduler."""
    try:
        from distributed import LocalCluster
    except ImportError:
        raise EmpathyScoreError(
            "--backend dask needs Dask distributed: pip install 'empathy_score[dask]'"
        ) from None
    workers = (os.cpu_count() or 1) if jobs in (1, -1) else jobs
    if not quiet:
        print(
            f"empathy-score: no --scheduler: starting a local Dask cluster of {workers} "
            "workers (give --scheduler ADDRESS to use a running one)",
            file=sys.stderr,
        )
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,  # no web dashboard: nothing listens beyond what the run needs
        worker_dashboard_address=None,
    )


def _columns(value: str | None) -> tuple[str, ...] | None:
    """``--columns id,straight_to_data,agent``: verdict columns and meta keys, in that order."""
    if value is None:
        return None
    columns = tuple(dict.fromkeys(c.strip() for c in value.split(",") if c.strip()))
    if not columns:
        raise EmpathyScoreError("--columns needs at least one column name")
    return columns


def check_output(out: str | None, inputs: Sequence[str], *, keep: bool, force: bool) -> None:
    """Refuse an output that would destroy input or earlier work, before anything is opened.

    ``keep``: the command appends to it (``--resume``); ``force``: the user said to overwrite.
    """
    if out is None:
        return
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise EmpathyScoreError(f"--out {out}: the folder {folder} does not exist")
    if not os.path.lexists(out):
        return
    if os.path.isdir(out):
        raise EmpathyScoreError(f"--out {out}: is a folder; give a file name")
    for given in inputs:
        try:
            same = os.path.isfile(given) and os.path.samefile(given, out)
        except OSError:
            same = False
        if same:
            raise EmpathyScoreError(f"--out {out}: is one of the inputs ({given}); write elsewhere")
    if not keep and not force and os.path.getsize(out) > 0:
        raise EmpathyScoreError(
            f"--out {out}: exists and is not empty; --resume continues it, --force overwrites it"
        )


def open_output(out: str, mode: str) -> TextIO:
    """``--out`` opened for writing; a file that cannot be is the command's mistake (exit 2)."""
    try:
        return open(out, mode, encoding="utf-8", newline="")
    except OSError as err:  # permission denied, a read-only file system, …
        raise EmpathyScoreError(f"--out {out}: cannot write it: {err.strerror or err}") from None


def _check_score_options(args: argparse.Namespace) -> None:
    check_output(args.out, args.paths, keep=args.resume, force=args.force)
    if args.columns is not None and args.format != "csv":
        raise EmpathyScoreError("--columns is for --format csv")
    needed = {"id", "source", "status"}
    chosen = set(_columns(args.columns) or needed)
    if args.resume and args.format == "csv" and not needed <= chosen:
        raise EmpathyScoreError(
            "--resume with --columns needs id, source and status among them, to know which "
            "calls were done"
        )
    if args.resume and not args.out:
        raise EmpathyScoreError("--resume needs --out FILE: the output of the run to continue")
    if args.scheduler and args.backend != "dask":
        raise EmpathyScoreError("--scheduler is only used with --backend dask")


def cmd_score(args: argparse.Namespace) -> int:
    from ..longlived import freeze_once
    from ..progress import ProgressBar
    from ..resume import PreviousRun, read_previous, skip_done

    _check_score_options(args)
    scorer = scorer_for(args)
    counts = dict.fromkeys(("calls", "ok", "error", "opportunity", "straight_to_data"), 0)
    previous = PreviousRun()
    if args.resume:
        previous = read_previous(args.out, args.format)
        counts.update(previous.counts)
    resumed = previous.calls
    # the output is never read as input, however its folder or path is given
    entries = scorer.iter_inputs(args.paths, exclude=[args.out] if args.out else [])
    if resumed:
        entries = skip_done(entries, previous.done)  # counts previous.done down
    out: TextIO = open_output(args.out, "a" if args.resume else "w") if args.out else sys.stdout
    progress = ProgressBar(sys.stderr, enabled=not args.quiet, paths=args.paths, skip=resumed)
    interrupted: KeyboardInterrupt | None = None
    cluster = None
    verdicts = None
    try:
        scheduler = args.scheduler
        if args.backend == "dask" and scheduler is None:
            cluster = _local_dask_cluster(args.jobs, quiet=args.quiet)
            scheduler = cluster.scheduler_address  # and on, as with any other cluster
        writer = _Writer(
            out,
            args.format,
            header=not previous.has_header,
            columns=previous.columns or _columns(args.columns),
        )
        verdicts = scorer.score_many(
            entries,
            n_jobs=args.jobs,
            chunk_size=args.chunk_size,
            backend=args.backend,
            scheduler=scheduler,
            progress=progress,
        )
        for verdict in verdicts:
            with STOP.held():  # a stop waits until the record is whole and counted
                try:
                    writer.write(redacted_verdict(verdict) if args.redact else verdict)
                except OSError as err:  # a full disk, a vanished mount: the output, not the run
                    again = "; --resume continues once it can be written" if args.out else ""
                    raise EmpathyScoreError(
                        f"cannot write {args.out or 'the output'}: {err.strerror or err}{again}"
                    ) from None
                counts["low_confidence"] = counts.get("low_confidence", 0) + low_confidence(
                    verdict.meta
                )
                if args.own_process:
                    freeze_once()  # what is alive now (pipeline and model, or pool) stays alive
                counts["calls"] += 1
                counts["ok" if verdict.ok else "error"] += 1
                counts["opportunity"] += verdict.opportunity
                counts["straight_to_data"] += verdict.straight_to_data
        with STOP.held():
            writer.close()
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (Terminated)
        interrupted = stop
    finally:
        close = getattr(verdicts, "close", None)
        if close is not None:
            close()  # stops the workers now, not when the generator is collected
        progress.close()
        if out is not sys.stdout:
            with contextlib.suppress(OSError):  # a write that failed was reported already
                out.close()
        if cluster is not None:
            cluster.close()
    if interrupted is not None:
        terminated = isinstance(interrupted, Terminated)
        again = " run the same command with --resume to continue" if args.out else ""
        print(
            f"empathy-score: {'terminated' if terminated else 'interrupted'} after "
            f"{counts['calls']} calls;{again}",
            file=sys.stderr,
        )
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    if resumed and previous.calls == resumed:
        print(
            f"empathy-score: --resume: none of the {resumed} calls already in {args.out} "
            "matched these inputs, so every input was scored again; were the inputs others?",
            file=sys.stderr,
        )
    if not args.quiet:
        print(_summary(counts, resumed), file=sys.stderr)
    return EXIT_INPUT_ERRORS if counts["error"] else EXIT_OK
