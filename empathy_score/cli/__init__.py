"""The ``empathy-score`` command line.

Exit codes scripts can rely on:

- ``0`` – every input was scored;
- ``1`` – the run finished, but at least one input could not be read or scored (its error is
  in the output as a ``status: error`` record, and counted in the summary on stderr);
- ``2`` – the command itself was wrong (unknown option, missing file for ``explain``…);
- ``3`` – the run itself crashed (not one input: those are records); every record written is
  whole, and ``--resume`` continues;
- ``130`` – interrupted (Ctrl-C); for ``score``, every record written is whole, and
  ``--resume`` continues the run;
- ``143`` – stopped by SIGTERM (``kill``, a service manager, a container stopping): the same
  orderly stop as Ctrl-C, told apart.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TextIO

from .. import __version__
from ..errors import EmpathyScoreError
from ..table import OTHER_META, csv_columns, csv_row, strict_json
from ..verdict import CallVerdict, Evidence

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_USAGE = 2
EXIT_CRASH = 3  # the run itself failed, not one of its inputs
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it
EXIT_TERMINATED = 143  # SIGTERM, as shells report it (128 + 15)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that both take the same orderly way out."""


class _StopSignals:
    """Turns Ctrl-C and SIGTERM into exceptions in the main thread, never inside a record.

    Entered around a command: SIGTERM raises :class:`_Terminated` (else the process would die
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

    def __enter__(self) -> _StopSignals:
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
        stop = _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
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


_STOP = _StopSignals()


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


def _low_confidence(meta: object) -> bool:
    """Whether a call's speaker roles were guessed with low confidence (readers/roles.py)."""
    guess = meta.get("role_inference") if isinstance(meta, Mapping) else None
    return isinstance(guess, dict) and bool(guess.get("low_confidence"))


def _redacted(verdict: CallVerdict) -> CallVerdict:
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


def _error_text(err: BaseException, args: argparse.Namespace) -> str:
    """An error as printed: masked when personal data was asked to be (``score --redact``, or
    ``report`` without ``--show-pii``), since a message about a place in an input file (or a
    crash) may quote a line of the input. Other errors name the user's own arguments (a file
    that does not exist), which masking would only garble."""
    masking = getattr(args, "redact", False) or getattr(args, "show_pii", True) is False
    located = getattr(err, "path", None) is not None or not isinstance(err, EmpathyScoreError)
    if not (masking and located):
        return str(err)
    from ..redact import redact_error

    return redact_error(str(err), getattr(err, "path", None))


def _model_choice(args: argparse.Namespace):
    """What ``--model PATH`` / ``--no-model`` ask for, as ``EmpathyScorer(model=...)`` takes it.

    With ``--model-sha256`` the model is loaded here, checked against that hash as well.
    """
    if getattr(args, "no_model", False):
        return None
    if getattr(args, "model_sha256", None):
        from ..model import load_model

        return load_model(getattr(args, "model", None), sha256=args.model_sha256)
    return getattr(args, "model", None) or "default"


def _scorer(args: argparse.Namespace):
    """The command's scorer, its model loaded now: a missing or tampered model file is the
    command's mistake (one line, exit 2), not an error record on every call."""
    from ..scorer import EmpathyScorer

    scorer = EmpathyScorer(
        model=_model_choice(args),
        aliases=_aliases(getattr(args, "alias", None)),
        agent_speaker=getattr(args, "agent_speaker", None),
    )
    _ = scorer.classifier  # raises ModelError naming the file
    return scorer


def _existing(paths: Sequence[str], command: str) -> None:
    """Refuse paths that do not exist, naming them, before any work is done."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise EmpathyScoreError(
            f"{command}: no such file or folder: {', '.join(repr(p) for p in missing)}"
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


def _check_output(out: str | None, inputs: Sequence[str], *, keep: bool, force: bool) -> None:
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


def _open_output(out: str, mode: str) -> TextIO:
    """``--out`` opened for writing; a file that cannot be is the command's mistake (exit 2)."""
    try:
        return open(out, mode, encoding="utf-8", newline="")
    except OSError as err:  # permission denied, a read-only file system, …
        raise EmpathyScoreError(f"--out {out}: cannot write it: {err.strerror or err}") from None


def _check_score_options(args: argparse.Namespace) -> None:
    _check_output(args.out, args.paths, keep=args.resume, force=args.force)
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
    scorer = _scorer(args)
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
    out: TextIO = _open_output(args.out, "a" if args.resume else "w") if args.out else sys.stdout
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
            with _STOP.held():  # a stop waits until the record is whole and counted
                try:
                    writer.write(_redacted(verdict) if args.redact else verdict)
                except OSError as err:  # a full disk, a vanished mount: the output, not the run
                    again = "; --resume continues once it can be written" if args.out else ""
                    raise EmpathyScoreError(
                        f"cannot write {args.out or 'the output'}: {err.strerror or err}{again}"
                    ) from None
                counts["low_confidence"] = counts.get("low_confidence", 0) + _low_confidence(
                    verdict.meta
                )
                if args.own_process:
                    freeze_once()  # what is alive now (pipeline and model, or pool) stays alive
                counts["calls"] += 1
                counts["ok" if verdict.ok else "error"] += 1
                counts["opportunity"] += verdict.opportunity
                counts["straight_to_data"] += verdict.straight_to_data
        with _STOP.held():
            writer.close()
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (_Terminated)
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
        terminated = isinstance(interrupted, _Terminated)
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


def _use_colour(stream: TextIO, choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ


def cmd_explain(args: argparse.Namespace) -> int:
    from ..explain import render_explanation
    from ..reading import iter_transcripts

    scorer = _scorer(args)
    colour = _use_colour(sys.stdout, args.colour)
    status = EXIT_OK
    calls = iter_transcripts(args.file, aliases=scorer.aliases, agent_speaker=scorer.agent_speaker)
    for entry in calls:
        if isinstance(entry, EmpathyScoreError):
            print(f"empathy-score: {entry}", file=sys.stderr)
            status = EXIT_INPUT_ERRORS
            continue
        if _low_confidence(entry.meta):
            guess = entry.meta["role_inference"]
            print(
                f"empathy-score: {entry.id}: agent speaker guessed as {guess['agent_speaker']!r} "
                f"with low confidence ({guess['confidence']:.2f}); check it, and set it with "
                "--agent-speaker if it is wrong",
                file=sys.stderr,
            )
        verdict = scorer.score_transcript(entry)
        print(render_explanation(entry, verdict, colour=colour))
        print()
    return status


def cmd_train(args: argparse.Namespace) -> int:
    import warnings

    from ..model import DEFAULT_MODEL
    from ..training import save_model, train_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn's notes on small folds
        estimator, manifest = train_model(args.corpus)
    artefact = save_model(estimator, args.out, args.name or DEFAULT_MODEL, manifest)
    test = manifest["metrics"]["test"]["straight_to_data"]["model"]
    print(
        f"empathy-score: wrote {artefact} (+ .json manifest, .md card); "
        f"test straight_to_data F1 {test['f1']:.3f}\n"
        f"use it with: empathy-score score CALLS --model {artefact}\n"
        f"        or: EmpathyScorer(model={str(artefact)!r})",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..corpus import SPLITS, load_corpus
    from ..evaluate import evaluate_systems, format_report

    root = Path(args.corpus)
    _existing([str(root.parent if root.name in SPLITS and not root.exists() else root)], "evaluate")
    calls = load_corpus(args.corpus)
    if not calls:
        print(f"empathy-score: no annotated calls in {args.corpus}", file=sys.stderr)
        return EXIT_USAGE
    if args.model is not None:
        from ..model import load_model

        # a model asked for by name must load: exit 2, never a note
        load_model(args.model, sha256=args.model_sha256)
    report = evaluate_systems(calls, args.model, model_sha256=args.model_sha256)
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
        if "note" in report:
            print(f"\nnote: {report['note']}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import is_verdict_file, read_verdicts, render, summarize

    _existing(args.paths, "report")
    _check_output(args.out, args.paths, keep=False, force=args.force)
    verdicts: list[CallVerdict | dict] = []
    to_score = []
    for path in args.paths:
        if is_verdict_file(path):  # `empathy-score score` output: no need to score again
            verdicts.extend(read_verdicts(path))
        else:
            to_score.append(path)
    if to_score:
        verdicts.extend(_scorer(args).score_many(to_score))
    by = [key.strip() for value in args.by or () for key in value.split(",") if key.strip()]
    report = summarize(
        verdicts, by=by, baseline=args.baseline, meta=args.meta, show_pii=args.show_pii
    )
    text = render(report, args.format)
    if args.out:
        try:
            with _open_output(args.out, "w") as out:
                out.write(text)
        except OSError as err:  # a full disk: one line, not a crash
            reason = err.strerror or err
            raise EmpathyScoreError(f"--out {args.out}: cannot write it: {reason}") from None
    else:
        sys.stdout.write(text)
    return EXIT_INPUT_ERRORS if report.overall.errors else EXIT_OK


def _baseline(value: str) -> float:
    message = f"a share between 0 and 1 (e.g. 0.51), not {value!r}"
    try:
        baseline = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(message) from None
    if not 0 < baseline < 1:  # also rejects nan
        raise argparse.ArgumentTypeError(message)
    return baseline


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs == 0 or jobs < -1:
        raise argparse.ArgumentTypeError(f"a number of processes or -1 (all cores), not {value!r}")
    return jobs


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {value!r}")
    return number


def _aliases(pairs: Sequence[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    aliases = {}
    for pair in pairs:
        label, sep, role = pair.partition("=")
        if not sep or not label.strip() or role.strip() not in ("agent", "customer"):
            raise SystemExit(
                f"empathy-score: --alias takes LABEL=agent or LABEL=customer, not {pair!r}"
            )
        aliases[label.strip()] = role.strip()
    return aliases


def _model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--model",
        metavar="PATH",
        help="a .npz from `empathy-score train` (its .json manifest beside it) instead of the "
        "packaged model",
    )
    group.add_argument(
        "--no-model", action="store_true", help="score with the rules alone (no classifier)"
    )
    _sha256_option(parser)


def _sha256_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model-sha256",
        metavar="HEX",
        help="the model file's SHA-256 as you know it: the model loads only if it matches",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="empathy-score",
        description="Score Dutch customer-service call transcripts for empathy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    alias_help = "extra speaker label for .txt files, e.g. --alias mw=agent (repeatable)"
    agent_help = (
        "for files with anonymous speakers (SPEAKER_00, Spreker 1): the agent's label, "
        "instead of guessing it from what each speaker says"
    )
    score = sub.add_parser(
        "score",
        help="score calls; one record per call (errors included)",
        description="Score every call in the given files and folders (.txt, .json, .jsonl, "
        ".csv, .tsv, .vtt, .srt). One record per call, in input order; unreadable inputs "
        "become status=error records.",
    )
    score.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    score.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    score.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    score.add_argument(
        "--force", action="store_true", help="overwrite an existing --out (else: --resume)"
    )
    score.add_argument(
        "--columns",
        metavar="LIST",
        help="CSV only: these columns, in this order, e.g. id,straight_to_data,agent,team "
        "(verdict fields and meta keys); default: every verdict field, one column per meta "
        f"key of the first call, and the rest of any call's meta as JSON in '{OTHER_META}'",
    )
    score.add_argument("--alias", action="append", metavar="LABEL=ROLE", help=alias_help)
    score.add_argument("--agent-speaker", metavar="LABEL", help=agent_help)
    _model_options(score)
    score.add_argument(
        "--redact",
        action="store_true",
        help="mask numbers, dates, licence plates, IBANs, e-mail addresses and postcodes "
        "(also spoken or spelled) in the evidence texts and error messages written",
    )
    score.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary line on stderr"
    )
    score.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="worker processes (default 1: this process; -1: every core)",
    )
    score.add_argument(
        "--chunk-size",
        type=_positive,
        default=256,
        metavar="N",
        help="calls scored as one batch, and sent to a worker at a time (default 256)",
    )
    score.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run: keep the records already in --out, score the rest",
    )
    score.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default="loky",
        help="loky: processes on this machine (default); dask: a Dask cluster (--scheduler, "
        "or a local one started for the run)",
    )
    score.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler, e.g. tcp://10.0.0.5:8786; files are read here and sent as "
        "text (needs empathy_score[dask])",
    )
    score.set_defaults(func=cmd_score)

    explain = sub.add_parser(
        "explain",
        help="show a call with its markers, data requests and opportunities",
        description="Print each call in FILE with what the pipeline found highlighted, and the "
        "verdict with its reason.",
    )
    explain.add_argument("file", metavar="FILE")
    explain.add_argument(
        "--colour",
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour on a terminal (default), or force it on or off",
    )
    explain.add_argument("--alias", action="append", metavar="LABEL=ROLE", help=alias_help)
    explain.add_argument("--agent-speaker", metavar="LABEL", help=agent_help)
    _model_options(explain)
    explain.set_defaults(func=cmd_explain)
    train = sub.add_parser(
        "train",
        help="rebuild the straight-to-data classifier from an annotated corpus",
        description="Train the classifier deterministically on CORPUS (calls/ + gold/) and write "
        "<name>.npz, its manifest <name>.json and model card <name>.md.",
    )
    train.add_argument("corpus", nargs="?", default="corpora", metavar="CORPUS")
    train.add_argument("--out", default="models", metavar="DIR", help="default: models/")
    train.add_argument("--name", default=None, help="artefact name (default: straight_to_data)")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser(
        "evaluate",
        help="precision/recall/F1 of rules, classifier and combined against gold labels",
        description="Evaluate on an annotated corpus folder, or one split of it "
        "(e.g. corpora/test): straight_to_data, opportunity, empathy_before_data, markers per "
        "category and data fields, overall and per style (clean vs asr).",
    )
    evaluate.add_argument("corpus", metavar="CORPUS_OR_SPLIT")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--model", default=None, metavar="PATH", help="a .npz to evaluate")
    _sha256_option(evaluate)
    evaluate.set_defaults(func=cmd_evaluate)

    report = sub.add_parser(
        "report",
        help="empathy rates against the 51%% baseline, per agent, team or channel",
        description="Summarize verdicts (.jsonl written by `empathy-score score`) or score the "
        "given transcripts first: rates with 95% intervals against the baseline, overall and per "
        "group, the markers used, the fields asked for first and the calls to listen to first. "
        "Exit code 1 when some calls could not be scored (they are counted as errors).",
    )
    report.add_argument(
        "paths", nargs="+", metavar="PATH", help="verdict .jsonl files, or transcripts to score"
    )
    report.add_argument(
        "--by",
        action="append",
        metavar="FIELD",
        help="group by a meta field, e.g. --by agent; --by team,channel for combinations",
    )
    report.add_argument(
        "--meta",
        metavar="CSV",
        help="side file with columns id,agent,team,channel,date (and any others for --by)",
    )
    report.add_argument(
        "--baseline",
        type=_baseline,
        default=0.51,
        help="share of calls without empathy to compare with (default: 0.51)",
    )
    report.add_argument("--format", choices=("text", "json", "csv", "html"), default="text")
    _model_options(report)
    report.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    report.add_argument("--force", action="store_true", help="overwrite an existing --out")
    report.add_argument(
        "--show-pii",
        action="store_true",
        help="keep numbers, dates, plates, IBANs, e-mail addresses and postcodes in evidence texts "
        "and error messages",
    )
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point of ``empathy-score``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    # Run as the command (no argv given), this process is ours to tune; called from a
    # program (tests, scripts), it is the caller's.
    args.own_process = argv is None
    try:
        with _STOP:
            return int(args.func(args))
    except _Terminated:  # before or after the work (score reports its own)
        print("empathy-score: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("empathy-score: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except EmpathyScoreError as err:
        print(f"empathy-score: {_error_text(err, args)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `empathy-score score … | head`
        sys.stderr = io.StringIO()
        return EXIT_OK
    except Exception as err:  # a crash of the run, not of one input: its own exit code
        if os.environ.get("EMPATHY_SCORE_DEBUG"):
            raise
        again = " (score: --resume continues the run)" if args.command == "score" else ""
        message = _error_text(err, args).splitlines()[0] if str(err) else ""
        print(
            f"empathy-score: crashed: {type(err).__name__}: {message}{again}; "
            "EMPATHY_SCORE_DEBUG=1 shows the traceback",
            file=sys.stderr,
        )
        return EXIT_CRASH


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
