"""``empathy-score explain``, ``train``, ``evaluate`` and ``report``: each imports what it
needs when it runs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ..errors import EmpathyScoreError
from ..verdict import CallVerdict
from .exit_codes import EXIT_INPUT_ERRORS, EXIT_OK, EXIT_USAGE
from .options import scorer_for
from .score import check_output, low_confidence, open_output


def _existing(paths: Sequence[str], command: str) -> None:
    """Refuse paths that do not exist, naming them, before any work is done."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise EmpathyScoreError(
            f"{command}: no such file or folder: {', '.join(repr(p) for p in missing)}"
        )


def _use_colour(stream: TextIO, choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ


def cmd_explain(args: argparse.Namespace) -> int:
    from ..explain import render_explanation
    from ..reading import iter_transcripts

    scorer = scorer_for(args)
    colour = _use_colour(sys.stdout, args.colour)
    status = EXIT_OK
    calls = iter_transcripts(args.file, aliases=scorer.aliases, agent_speaker=scorer.agent_speaker)
    for entry in calls:
        if isinstance(entry, EmpathyScoreError):
            print(f"empathy-score: {entry}", file=sys.stderr)
            status = EXIT_INPUT_ERRORS
            continue
        if low_confidence(entry.meta):
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
    check_output(args.out, args.paths, keep=False, force=args.force)
    verdicts: list[CallVerdict | dict] = []
    to_score = []
    for path in args.paths:
        if is_verdict_file(path):  # `empathy-score score` output: no need to score again
            verdicts.extend(read_verdicts(path))
        else:
            to_score.append(path)
    if to_score:
        verdicts.extend(scorer_for(args).score_many(to_score))
    by = [key.strip() for value in args.by or () for key in value.split(",") if key.strip()]
    report = summarize(
        verdicts, by=by, baseline=args.baseline, meta=args.meta, show_pii=args.show_pii
    )
    text = render(report, args.format)
    if args.out:
        try:
            with open_output(args.out, "w") as out:
                out.write(text)
        except OSError as err:  # a full disk: one line, not a crash
            reason = err.strerror or err
            raise EmpathyScoreError(f"--out {args.out}: cannot write it: {reason}") from None
    else:
        sys.stdout.write(text)
    return EXIT_INPUT_ERRORS if report.overall.errors else EXIT_OK
