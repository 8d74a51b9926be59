"""Start-up a user feels, against spaCy's own — run by hand, not by CI.

    python benchmarks/startup.py            # 7 rounds
    python benchmarks/startup.py --rounds 11

Each round starts fresh interpreters one right after the other, so that the ratios compare
runs taken side by side on a shared machine:

- ``import spacy; spacy.blank("nl")`` (the reference);
- importing empathy_score and scoring one call, with the packaged model and with the rules
  alone;
- the same with a cold dictionary cache: a new, empty ``EMPATHY_SCORE_CACHE_DIR``, as on the
  first run after installing (see ``empathy_score/lemma_dictionary.py``), and with the cache
  switched off (``EMPATHY_SCORE_CACHE_DIR=""``);
- ``empathy-score --version``.

It prints the median wall time of each and its ratio to the reference (the floor of issue 16:
scoring one call at most 1.6 times the reference; ``--version`` under 0.3 s). The call scored
is made up and nothing of it is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CALL = "Klant: Mijn hond is aangereden.\\nAgent: Wat is uw polisnummer?"
REFERENCE = 'import spacy; spacy.blank("nl")'
FULL = f'import empathy_score as es; es.EmpathyScorer().score("{CALL}")'
RULES = f'import empathy_score as es; es.EmpathyScorer(model=None).score("{CALL}")'
VERSION = "from empathy_score.cli import main; main(['--version'])"

FLOOR_RATIO = 1.6
FLOOR_VERSION = 0.3


def wall(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    warm_env = dict(os.environ)
    off_env = {**os.environ, "EMPATHY_SCORE_CACHE_DIR": ""}
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        warm_env.setdefault("EMPATHY_SCORE_CACHE_DIR", str(Path(scratch) / "warm"))
        wall(FULL, warm_env)  # builds the warm cache when there is none yet
        for round_ in range(args.rounds):
            cold_env = {**os.environ, "EMPATHY_SCORE_CACHE_DIR": str(Path(scratch) / f"c{round_}")}
            runs = {
                "reference: spacy.blank('nl')": (REFERENCE, warm_env),
                "score one call": (FULL, warm_env),
                "score one call, rules alone": (RULES, warm_env),
                "score one call, cold cache": (FULL, cold_env),
                "score one call, no cache": (FULL, off_env),
                "empathy-score --version": (VERSION, warm_env),
            }
            for name, (code, env) in runs.items():
                times.setdefault(name, []).append(wall(code, env))

    reference = statistics.median(times["reference: spacy.blank('nl')"])
    print(f"fresh interpreters, median of {args.rounds} rounds (python {sys.version.split()[0]})")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"  {name:34s} {median:5.2f} s  {median / reference:4.2f}x reference")
    ratio = statistics.median(
        full / ref
        for full, ref in zip(
            times["score one call"], times["reference: spacy.blank('nl')"], strict=True
        )
    )
    version = statistics.median(times["empathy-score --version"])
    ok = "ok  " if ratio <= FLOOR_RATIO else "MISS"
    print(f"\n  {ok} score one call / reference, per round: {ratio:.2f}x <= {FLOOR_RATIO}x")
    ok = "ok  " if version < FLOOR_VERSION else "MISS"
    print(f"  {ok} --version {version:.2f} s < {FLOOR_VERSION} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
