"""The ``empathy-score`` command line.

Exit codes scripts can rely on:

- ``0`` – every input was scored;
- ``1`` – the run finished, but at least one input could not be read or scored (its error is
  in the output as a ``status: error`` record, and counted in the summary on stderr);
- ``2`` – the command itself was wrong (unknown option, missing file for ``explain``…).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from . import __version__
from .errors import EmpathyScoreError
from .verdict import CallVerdict

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_USAGE = 2

CSV_COLUMNS = (
    "id",
    "source",
    "status",
    "error",
    "opportunity",
    "empathy_shown",
    "empathy_before_data",
    "straight_to_data",
    "straight_to_data_probability",
    "first_data_request_turn",
    "data_fields",
    "markers",
    "data_requests",
    "opportunities",
)


def _csv_row(verdict: CallVerdict) -> dict[str, object]:
    record = verdict.to_dict()
    row: dict[str, object] = {k: record[k] for k in CSV_COLUMNS[:10]}
    row["data_fields"] = ";".join(verdict.data_fields)
    row["markers"] = ";".join(f"{m.turn}:{m.label}" for m in verdict.markers)
    row["data_requests"] = ";".join(f"{r.turn}:{r.label}" for r in verdict.data_requests)
    row["opportunities"] = ";".join(f"{o.turn}:{o.label}" for o in verdict.opportunities)
    return row


class _Writer:
    """Writes verdicts as they come, one complete record (line) at a time."""

    def __init__(self, stream: TextIO, fmt: str) -> None:
        self.stream = stream
        self.fmt = fmt
        self._csv: csv.DictWriter | None = None
        if fmt == "csv":
            self._csv = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
            self._csv.writeheader()

    def write(self, verdict: CallVerdict) -> None:
        if self._csv is not None:
            self._csv.writerow(_csv_row(verdict))
        else:
            self.stream.write(json.dumps(verdict.to_dict(), ensure_ascii=False) + "\n")
        self.stream.flush()


def _summary(counts: dict[str, int]) -> str:
    return (
        f"empathy-score: {counts['calls']} calls, {counts['ok']} scored, "
        f"{counts['error']} errors; {counts['opportunity']} with an opportunity, "
        f"{counts['straight_to_data']} straight to data"
    )


def cmd_score(args: argparse.Namespace) -> int:
    from .scorer import EmpathyScorer

    scorer = EmpathyScorer(aliases=_aliases(args.alias))
    counts = dict.fromkeys(("calls", "ok", "error", "opportunity", "straight_to_data"), 0)
    out: TextIO = (
        open(args.out, "w", encoding="utf-8", newline="")  # noqa: SIM115
        if args.out
        else sys.stdout
    )
    try:
        writer = _Writer(out, args.format)
        for verdict in scorer.score_many(args.paths):
            writer.write(verdict)
            counts["calls"] += 1
            counts["ok" if verdict.ok else "error"] += 1
            counts["opportunity"] += verdict.opportunity
            counts["straight_to_data"] += verdict.straight_to_data
    finally:
        if out is not sys.stdout:
            out.close()
    if not args.quiet:
        print(_summary(counts), file=sys.stderr)
    return EXIT_INPUT_ERRORS if counts["error"] else EXIT_OK


def _use_colour(stream: TextIO, choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import render_explanation
    from .scorer import EmpathyScorer
    from .transcript import iter_transcripts

    scorer = EmpathyScorer(aliases=_aliases(args.alias))
    colour = _use_colour(sys.stdout, args.colour)
    status = EXIT_OK
    for entry in iter_transcripts(args.file, aliases=scorer.aliases):
        if isinstance(entry, EmpathyScoreError):
            print(f"empathy-score: {entry}", file=sys.stderr)
            status = EXIT_INPUT_ERRORS
            continue
        verdict = scorer.score_transcript(entry)
        print(render_explanation(entry, verdict, colour=colour))
        print()
    return status


def cmd_train(args: argparse.Namespace) -> int:
    import warnings

    from .model import DEFAULT_MODEL, save_model, train_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn's notes on small folds
        estimator, manifest = train_model(args.corpus)
    artefact = save_model(estimator, args.out, args.name or DEFAULT_MODEL, manifest)
    test = manifest["metrics"]["test"]["straight_to_data"]["model"]
    print(
        f"empathy-score: wrote {artefact} (+ .json manifest, .md card); "
        f"test straight_to_data F1 {test['f1']:.3f}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .corpus import load_corpus
    from .evaluate import evaluate_systems, format_report

    calls = load_corpus(args.corpus)
    if not calls:
        print(f"empathy-score: no annotated calls in {args.corpus}", file=sys.stderr)
        return EXIT_USAGE
    report = evaluate_systems(calls, args.model)
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
        if "note" in report:
            print(f"\nnote: {report['note']}")
    return EXIT_OK


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="empathy-score",
        description="Score Dutch customer-service call transcripts for empathy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    alias_help = "extra speaker label for .txt files, e.g. --alias mw=agent (repeatable)"
    score = sub.add_parser(
        "score",
        help="score calls; one record per call (errors included)",
        description="Score every call in the given files and folders (.txt, .json, .jsonl). "
        "One record per call, in input order; unreadable inputs become status=error records.",
    )
    score.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    score.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    score.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    score.add_argument("--alias", action="append", metavar="LABEL=ROLE", help=alias_help)
    score.add_argument("--quiet", action="store_true", help="no summary line on stderr")
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
    explain.set_defaults(func=cmd_explain)
    train = sub.add_parser(
        "train",
        help="rebuild the straight-to-data classifier from an annotated corpus",
        description="Train the classifier deterministically on CORPUS (calls/ + gold/) and write "
        "<name>.joblib, its manifest <name>.json and model card <name>.md.",
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
    evaluate.add_argument("--model", default=None, metavar="PATH", help="a .joblib to evaluate")
    evaluate.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point of ``empathy-score``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return int(args.func(args))
    except EmpathyScoreError as err:
        print(f"empathy-score: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `empathy-score score … | head`
        sys.stderr = io.StringIO()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
