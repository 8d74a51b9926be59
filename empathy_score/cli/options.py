"""What the options of several commands mean: argument types, the model options, and the
scorer they ask for (loaded only when a command runs)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


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


def scorer_for(args: argparse.Namespace):
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


def baseline_share(value: str) -> float:
    message = f"a share between 0 and 1 (e.g. 0.51), not {value!r}"
    try:
        baseline = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(message) from None
    if not 0 < baseline < 1:  # also rejects nan
        raise argparse.ArgumentTypeError(message)
    return baseline


def job_count(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs == 0 or jobs < -1:
        raise argparse.ArgumentTypeError(f"a number of processes or -1 (all cores), not {value!r}")
    return jobs


def positive_number(value: str) -> int:
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


def add_model_options(parser: argparse.ArgumentParser) -> None:
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
    add_sha256_option(parser)


def add_sha256_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model-sha256",
        metavar="HEX",
        help="the model file's SHA-256 as you know it: the model loads only if it matches",
    )
