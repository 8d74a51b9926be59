"""Throughput, scaling, memory and start-up of empathy_score — run by hand, not by CI.

    python benchmarks/throughput.py                 # 4,000 calls, best of 5 rounds, with Dask
    python benchmarks/throughput.py --calls 10000 --repeat 5 --no-dask

Every figure is taken on the same transcripts: the calls in ``corpora/calls/*.jsonl``, repeated
(with fresh ids) until there are ``--calls`` of them, and each timed run gets its own copy in
which every digit is drawn anew. Real calls never share a policy number, licence plate or
phone number, and a verbatim repeat lets every cache (spaCy's tokenizer's first) answer from
memory: on repeats the tokenizer runs about 1.5 times faster than on fresh numbers. Both the
reference and the scorer see each copy for the first time, after the same warm-up on the
corpus; the figures on verbatim repeats are printed as well. It prints, in one run:

- calls/s and tokens/s of spaCy's tokenizer alone, one ``Doc`` per turn (the reference);
- the same for the full scorer (pipeline and classifier when a model is packaged, else the
  rules alone — the output says which) on one process, on every core (joblib's loky), and on a
  local two-worker Dask cluster; the ratio full/tokenizer and the parallel speed-ups;
- where the cores go in each parallel run: the CPU-seconds of its workers against one process
  for the same calls, of the driver, and idle (with psutil);
- the peak memory of ``empathy-score score`` on 1,000 and on 20,000 calls, each in a fresh
  process (driver and, for ``--jobs``, its workers);
- start-up: import, pipeline and model load, in a fresh process.

Timings are the best of ``--repeat`` rounds after a warm-up (pool started, every worker's
pipeline loaded); the start-up of a pool is printed apart. In a round, every configuration
scores the same fresh copy, one right after the other, so that each ratio compares runs taken
side by side. The floors of issue 7 are checked at the end. Nothing here prints transcript
text.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from itertools import cycle, islice
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpora" / "calls"

# What issue 7 asks for.
FLOOR_RATIO = 0.10
FLOOR_SPEEDUP = 1.8
FLOOR_DASK = 1.6
FLOOR_MEMORY = 0.15
FLOOR_STARTUP = 2.0

MEMORY_CHILD = """
import sys, threading, time
t0 = time.perf_counter()
peak_workers = 0
def sample():
    global peak_workers
    try:
        import psutil
    except ImportError:
        return
    me = psutil.Process()
    while True:
        total = 0
        for child in me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        peak_workers = max(peak_workers, total)
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
from empathy_score.cli import main
# as the command runs it (main() reading sys.argv): it tunes its own process then
source, out, jobs = sys.argv[1:4]
sys.argv = ["empathy-score", "score", source, "--out", out, "--quiet", "--jobs", jobs]
code = main()
if code != 0:  # a run that stopped early would look lean and fast
    sys.exit(f"empathy-score score exited with {code}")
# VmHWM (Linux), not ru_maxrss: the latter keeps the parent's peak across fork and exec
try:
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    driver = int(hwm.split()[1]) * 1024
except OSError:
    import resource
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(driver, peak_workers, time.perf_counter() - t0)
"""

STARTUP_CHILD = """
import time
t0 = time.perf_counter()
from empathy_score import EmpathyScorer
t1 = time.perf_counter()
scorer = EmpathyScorer()
scorer.nlp
try:
    model = scorer.classifier is not None
except Exception:
    model = False
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, model)
"""


def corpus_calls(n: int) -> list:
    """``n`` calls from the corpus, repeated with fresh ids (``a-0001#2``) so none repeats."""
    from empathy_score import iter_transcripts
    from empathy_score.errors import TranscriptError

    base = [
        t
        for t in iter_transcripts(sorted(CORPUS.glob("*.jsonl")))
        if not isinstance(t, TranscriptError)
    ]
    if not base:
        raise SystemExit(f"no calls in {CORPUS}")
    calls = []
    for k, call in enumerate(islice(cycle(base), n)):
        calls.append(dataclasses.replace(call, id=f"{call.id}#{k // len(base)}"))
    return calls


_DIGIT = re.compile(r"\d")


def fresh_numbers(calls: list, seed: int) -> list:
    """The calls with every digit drawn anew (ids marked ``~seed``): no number repeats."""
    rng = random.Random(seed)

    def redraw(text: str) -> str:
        return _DIGIT.sub(lambda _: str(rng.randrange(10)), text)

    return [
        dataclasses.replace(
            call,
            id=f"{call.id}~{seed}",
            turns=tuple(dataclasses.replace(t, text=redraw(t.text)) for t in call.turns),
        )
        for call in calls
    ]


def write_jsonl(calls: Iterable, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for call in calls:
            record = {
                "id": call.id,
                "meta": dict(call.meta),
                "turns": [{"speaker": t.speaker, "text": t.text} for t in call.turns],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def consume(verdicts: Iterable) -> int:
    return sum(1 for _ in verdicts)


def row(name: str, seconds: float, calls: int, tokens: int, note: str = "") -> None:
    print(
        f"  {name:<34} {calls / seconds:>10,.0f} calls/s {tokens / seconds:>12,.0f} tokens/s"
        f"  {note}"
    )


def child(code: str, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"a measuring child process failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout.split()


def at_once(pooled, calls: list, size: int, workers: int) -> int:
    """Score ``calls`` on the pool in the very chunks streaming sends, all submitted at once.

    No windows, no reading ahead, no verdicts rebuilt in order: against the loky run it shows
    what streaming itself costs, with the scoring work the same chunk for chunk.
    """
    import joblib

    from empathy_score.parallel import _call_to_tuple, _pack, _windows, loky_config, score_chunk
    from empathy_score.scorer import WorkerConfig

    config = WorkerConfig.of(pooled)
    chunks = [chunk for window in _windows(calls, size, 2 * workers, workers) for chunk in window]
    with loky_config():  # the pool's own: with another, loky would start new workers
        done = joblib.Parallel(n_jobs=workers, pre_dispatch="all")(
            joblib.delayed(score_chunk)(config, _pack([_call_to_tuple(c) for c in chunk]))
            for chunk in chunks
        )
    return len(done)


class CpuClock:
    """CPU-seconds used by this process and by its child processes (the pool's workers, the
    local Dask cluster's), to show where a parallel run's time goes. Needs psutil."""

    def __init__(self) -> None:
        try:
            import psutil
        except ImportError:
            self.me = None
        else:
            self.me = psutil.Process()

    def read(self) -> tuple[float, dict[int, float]]:
        """(this process's CPU, {child pid: its CPU}); children are read one by one, since a
        pool's workers live on between runs."""
        times = self.me.cpu_times()
        children = {}
        for proc in self.me.children(recursive=True):
            try:
                t = proc.cpu_times()
            except Exception:  # ended meanwhile
                continue
            children[proc.pid] = t.user + t.system
        return times.user + times.system, children

    @staticmethod
    def used(before, after) -> tuple[float, float]:
        """(driver CPU-s, workers' CPU-s) between two readings."""
        workers = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
        return after[0] - before[0], workers


def profile(scorer, calls: list, chunk: int) -> None:
    """Where one process spends its time (pyinstrument's call tree, trimmed)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("  (pip install pyinstrument for --profile)")
        return
    profiler = Profiler(interval=0.001)
    profiler.start()
    consume(scorer.score_many(calls, chunk_size=chunk))
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def where_time_goes(
    times: dict[str, list[float]],
    cpu: dict[str, list[tuple[float, float]]],
    cores: int,
    dask_idle: float | None = None,
) -> None:
    """CPU-seconds of each parallel configuration in its fastest round, against one process.

    A speed-up falls short of the number of cores for three reasons, told apart here: the
    workers need more CPU for the same calls than one process does (they slow each other
    down, or their environment does), the driver needs CPU of its own (reading, sending,
    rebuilding verdicts; for Dask also the scheduler, which a LocalCluster runs in it), and
    cores sit idle.
    """
    one = statistics.median(driver for driver, _ in cpu["one"])
    print(
        f"\nwhere the cores go (CPU-seconds, each configuration's fastest round; one process "
        f"needs {one:.2f} s for the same calls)"
    )
    labels = {"loky": "loky", "at_once": "all at once", "dask": "Dask"}
    for name, label in labels.items():
        if name not in times or not cpu[name]:
            continue
        k = min(range(len(times[name])), key=times[name].__getitem__)
        wall, (driver, workers) = times[name][k], cpu[name][k]
        idle = max(0.0, cores * wall - driver - workers)
        print(
            f"  {label:<14} workers {workers:5.2f} s ({workers / one - 1:+.0%} of one process)"
            f"   driver {driver:4.2f} s   idle {idle:4.2f} s   of {cores} x {wall:.2f} s"
        )
    if dask_idle is not None and "dask" in times:
        print(
            f"  (with nothing to do, the Dask cluster's processes use {dask_idle:.3f} CPU-s a "
            f"second: heartbeats, monitors, event loops)"
        )


def round_by_round(times: dict[str, list[float]]) -> None:
    """Each round's own speed-up (its one-process time over its parallel time).

    The speed-ups above divide the best one-process round by the best parallel round, which
    may come from different rounds; on a machine whose speed drifts by several percent
    within a minute, the spread of the paired ratios shows how far to trust either.
    """
    print("\nspeed-up round by round (one process / parallel, in the same round)")
    for name, label in (("loky", "loky"), ("at_once", "all at once"), ("dask", "Dask")):
        if name not in times:
            continue
        ratios = sorted(one / other for one, other in zip(times["one"], times[name], strict=True))
        print(
            f"  {label:<14} median {statistics.median(ratios):.2f}x   "
            f"rounds {', '.join(f'{r:.2f}' for r in ratios)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4000, help="calls per timing (default 4000)")
    parser.add_argument("--repeat", type=int, default=5, help="best of N rounds (default 5)")
    parser.add_argument("--chunk-size", type=int, default=256, help="calls per chunk (256)")
    parser.add_argument(
        "--dask-chunk-size",
        type=int,
        default=256,
        help="calls per Dask task (256)",
    )
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask cluster")
    parser.add_argument(
        "--profile", action="store_true", help="profile one process with pyinstrument"
    )
    parser.add_argument(
        "--memory-calls", type=int, nargs=2, default=(1000, 20000), metavar=("SMALL", "LARGE")
    )
    args = parser.parse_args(argv)

    import joblib
    import spacy

    import empathy_score
    from empathy_score import EmpathyScorer, load_nlp

    cores = joblib.cpu_count()
    print(
        f"machine: {platform.machine()}, {cores} cores ({os.cpu_count()} logical), "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"spaCy {spacy.__version__}, joblib {joblib.__version__}, "
        f"empathy_score {empathy_score.__version__}; load average {os.getloadavg()[0]:.2f}"
    )
    base = corpus_calls(args.calls)  # verbatim repeats: warm-ups and the secondary figures
    n = len(base)
    runs = [fresh_numbers(base, seed) for seed in range(args.repeat)]
    base_texts = [turn.text for call in base for turn in call.turns]

    scorer = EmpathyScorer()
    try:
        has_model = scorer.classifier is not None
    except empathy_score.EmpathyScoreError as err:
        print(f"  (no usable packaged model: {err}; scoring with the rules alone)")
        scorer = EmpathyScorer(model=None)
        has_model = False
    what = "pipeline + classifier" if has_model else "rules only (no model packaged)"
    # The reference: the same tokenizer (the scorer's own configuration) in a pipeline of its
    # own, so that neither warms the other's cache on the texts they are timed on.
    reference = load_nlp().tokenizer
    tokens = sum(len(doc) for doc in reference.pipe(base_texts))  # also its warm-up
    chunk = args.chunk_size
    consume(scorer.score_many(base, chunk_size=chunk))  # the same warm-up for the scorer
    # As `empathy-score score` does on one process, and every worker after its first chunk:
    # keep the garbage collector's full collections off the loaded pipeline and model.
    from empathy_score.longlived import freeze_once

    freeze_once()
    print(
        f"\n{n:,} calls, {len(base_texts):,} turns, {tokens:,} tokens (corpora/calls repeated, "
        f"digits drawn anew in each timed run); full scorer = {what}; best of {args.repeat}"
    )

    # -- the configurations to time, each warmed up on the verbatim corpus ---------------------
    configurations: dict[str, Callable[[list], object]] = {
        "tokenizer": lambda calls: consume(
            reference.pipe(turn.text for call in calls for turn in call.turns)
        ),
        "one": lambda calls: consume(scorer.score_many(calls, chunk_size=chunk)),
    }
    if has_model:
        rules = EmpathyScorer(scorer.nlp, model=None)
        configurations["rules"] = lambda calls: consume(rules.score_many(calls, chunk_size=chunk))
    pooled = EmpathyScorer(model=scorer.model)  # the default pipeline: workers build their own
    start = time.perf_counter()
    consume(pooled.score_many(base, n_jobs=-1, chunk_size=chunk))
    pool_start = time.perf_counter() - start
    configurations["loky"] = lambda calls: consume(
        pooled.score_many(calls, n_jobs=-1, chunk_size=chunk)
    )
    # What streaming costs: the same pool and the same chunks, all submitted at once. What is
    # left between it and 2x is the machine: how much two processes slow each other down
    # (memory-bound work more than pure computation) changes from round to round on a shared
    # machine, which the CPU-seconds printed below show.
    configurations["at_once"] = lambda calls: at_once(pooled, calls, chunk, cores)
    clock = CpuClock()
    with ExitStack() as stack:
        dask_start = dask_idle = None
        if not args.no_dask:
            try:
                from distributed import LocalCluster
            except ImportError:
                print("  Dask: not installed (pip install 'empathy_score[dask]'), skipped")
            else:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
                    )
                )
                address = cluster.scheduler_address

                def on_dask(calls: list) -> int:
                    return consume(
                        pooled.score_many(
                            calls, backend="dask", scheduler=address, chunk_size=dask_chunk
                        )
                    )

                dask_chunk = args.dask_chunk_size
                start = time.perf_counter()
                on_dask(base)
                dask_start = time.perf_counter() - start
                configurations["dask"] = on_dask
                if clock.me is not None:  # what the cluster costs while it waits
                    before = clock.read()
                    time.sleep(2.0)
                    dask_idle = sum(clock.used(before, clock.read())) / 2.0

        # Rounds: in each, every configuration scores the same fresh copy once, one after the
        # other, so that a ratio compares runs taken side by side, not minutes apart on a
        # machine whose speed drifts. Rules alone get copies of their own (they share the
        # scorer's pipeline, at_once the pool's workers, whose caches would otherwise have
        # seen the copy).
        times: dict[str, list[float]] = {name: [] for name in configurations}
        cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in configurations}
        for r, calls in enumerate(runs):
            for name, run in configurations.items():
                item = calls
                if name in ("rules", "at_once"):  # they share caches with another configuration
                    item = fresh_numbers(base, (1000 if name == "rules" else 2000) + r)
                before = clock.read() if clock.me else None
                start = time.perf_counter()
                run(item)
                times[name].append(time.perf_counter() - start)
                if before is not None:
                    cpu[name].append(clock.used(before, clock.read()))
    best = {name: min(values) for name, values in times.items()}

    t_tok, t_one = best["tokenizer"], best["one"]
    ratio = t_tok / t_one
    row("spaCy tokenizer (Doc per turn)", t_tok, n, tokens)
    row("full scorer, 1 process", t_one, n, tokens, f"{ratio:.3f}x tokenizer")
    if "rules" in best:
        row(
            "rules only, 1 process",
            best["rules"],
            n,
            tokens,
            f"{t_tok / best['rules']:.3f}x tokenizer",
        )
    speedup = t_one / best["loky"]
    row(
        f"full scorer, {cores} processes (loky)",
        best["loky"],
        n,
        tokens,
        f"{speedup:.2f}x one process (pool start and load: {pool_start:.1f} s, once)",
    )
    all_at_once = t_one / best["at_once"]
    row(
        "  same chunks, all sent at once",
        best["at_once"],
        n,
        tokens,
        f"{all_at_once:.2f}x one process (no streaming: what windows and order cost)",
    )
    dask_speedup = None
    if "dask" in best:
        dask_speedup = t_one / best["dask"]
        row(
            f"full scorer, Dask (2 workers), {args.dask_chunk_size}/task",
            best["dask"],
            n,
            tokens,
            f"{dask_speedup:.2f}x one process (first call and load: {dask_start:.1f} s)",
        )
    t_tok_verbatim = best_of(args.repeat, lambda: consume(reference.pipe(base_texts)))
    t_one_verbatim = best_of(
        args.repeat, lambda: consume(scorer.score_many(base, chunk_size=chunk))
    )
    ratio_verbatim = t_tok_verbatim / t_one_verbatim
    row("spaCy tokenizer, verbatim repeats", t_tok_verbatim, n, tokens, "(warm cache)")
    row(
        "full scorer, verbatim repeats",
        t_one_verbatim,
        n,
        tokens,
        f"{ratio_verbatim:.3f}x tokenizer (warm cache)",
    )
    round_by_round(times)
    if clock.me is not None:
        where_time_goes(times, cpu, cores, dask_idle)
    if args.profile:
        profile(scorer, fresh_numbers(base, 3000), chunk)

    # -- peak memory, in fresh processes ------------------------------------------------------
    small, large = args.memory_calls
    print(f"\npeak memory of `empathy-score score` (fresh process, {small:,} vs {large:,} calls)")
    memory = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in (small, large):
            write_jsonl(fresh_numbers(corpus_calls(size), 0), folder / f"calls_{size}.jsonl")
        for jobs in ("1", "-1"):
            for size in (small, large):
                driver, workers, seconds = child(
                    MEMORY_CHILD,
                    str(folder / f"calls_{size}.jsonl"),
                    # a fresh output each time: an existing one is kept unless --resume/--force
                    str(folder / f"out_{jobs}_{size}.jsonl"),
                    jobs,
                )
                memory[jobs, size] = int(driver) + int(workers)
                print(
                    f"  --jobs {jobs:>2} {size:>7,} calls: driver {int(driver) / 2**20:6.0f} MB"
                    f" + workers {int(workers) / 2**20:6.0f} MB  ({float(seconds):.1f} s)"
                )
    growth = max(memory[j, large] / memory[j, small] - 1 for j in ("1", "-1"))

    # -- start-up -----------------------------------------------------------------------------
    runs = [child(STARTUP_CHILD) for _ in range(args.repeat)]
    imports = statistics.median(float(r[0]) for r in runs)
    loads = statistics.median(float(r[1]) for r in runs)
    loaded_model = runs[0][2] == "True"
    startup = imports + loads
    print(
        f"\nstart-up (fresh process, median of {args.repeat}): import {imports:.2f} s + "
        f"pipeline{' and model' if loaded_model else ''} {loads:.2f} s = {startup:.2f} s"
    )

    # -- floors -------------------------------------------------------------------------------
    def check(ok: bool) -> str:
        return "ok  " if ok else "MISS"

    print("\nfloors (issue 7)")
    print(
        f"  {check(ratio >= FLOOR_RATIO)} full/tokenizer {ratio:.3f}x >= {FLOOR_RATIO}x "
        f"(verbatim repeats, warm cache: {ratio_verbatim:.3f}x)"
    )
    print(
        f"  {check(speedup >= FLOOR_SPEEDUP)} speed-up on {cores} cores {speedup:.2f}x "
        f">= {FLOOR_SPEEDUP}x (same chunks, all at once: {all_at_once:.2f}x)"
        + ("" if n >= 2000 else "  (needs --calls >= 2000 to count)")
    )
    if dask_speedup is not None:
        print(
            f"  {check(dask_speedup >= FLOOR_DASK)} Dask {dask_speedup:.2f}x >= {FLOOR_DASK}x "
            f"({args.dask_chunk_size} calls/task)"
        )
    print(
        f"  {check(growth <= FLOOR_MEMORY)} peak memory {large:,} vs {small:,} calls "
        f"+{growth:.1%} <= {FLOOR_MEMORY:.0%}"
    )
    print(f"  {check(startup < FLOOR_STARTUP)} start-up {startup:.2f} s < {FLOOR_STARTUP} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
