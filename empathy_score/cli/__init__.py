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

Reading the command line loads nothing heavy (``empathy-score --version`` answers at once):
each command imports the scorer, spaCy and numpy when it runs. :mod:`.score` is the ``score``
command, :mod:`.commands` the others, :mod:`.options` what their shared options mean, and
:mod:`.exit_codes` the codes above.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterable

from .. import __version__
from ..errors import EmpathyScoreError
from ..table import OTHER_META
from .commands import cmd_evaluate, cmd_explain, cmd_report, cmd_train
from .exit_codes import (
    EXIT_CRASH,
    EXIT_INPUT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
)
from .options import (
    add_model_options,
    add_sha256_option,
    baseline_share,
    job_count,
    positive_number,
)
from .score import STOP, Terminated, cmd_score

__all__ = [
    "EXIT_CRASH",
    "EXIT_INPUT_ERRORS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "build_parser",
    "main",
]


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
    add_model_options(score)
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
        type=job_count,
        default=1,
        metavar="N",
        help="worker processes (default 1: this process; -1: every core)",
    )
    score.add_argument(
        "--chunk-size",
        type=positive_number,
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
    add_model_options(explain)
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
    add_sha256_option(evaluate)
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
        type=baseline_share,
        default=0.51,
        help="share of calls without empathy to compare with (default: 0.51)",
    )
    report.add_argument("--format", choices=("text", "json", "csv", "html"), default="text")
    add_model_options(report)
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
    if getattr(args, "no_model", False) and getattr(args, "model_sha256", None):
        parser.error("--model-sha256 checks a model file: it cannot go with --no-model")
    # Run as the command (no argv given), this process is ours to tune; called from a
    # program (tests, scripts), it is the caller's.
    args.own_process = argv is None
    try:
        with STOP:
            return int(args.func(args))
    except Terminated:  # before or after the work (score reports its own)
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
