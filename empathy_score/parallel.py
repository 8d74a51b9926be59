"""Scoring on many processes or a Dask cluster: chunks out, verdicts back, in input order.

:meth:`EmpathyScorer.score_many <empathy_score.EmpathyScorer.score_many>` hands its work here
when ``n_jobs != 1`` or ``backend="dask"``. The design, and why:

- **Work travels as text.** The driver reads every file (so a Dask worker needs no shared
  disk) and sends each chunk of calls as plain tuples: id, source, metadata, and the turns'
  speaker and text. Verdicts come back as plain field values and the driver rebuilds them
  with its own transcript's metadata. (Transcripts and verdicts pickle as they are, too, but
  whole they cost the driver's main thread more, and a parallel run waits on the driver.)
  A chunk travels as one pickled ``bytes`` object each way: Dask otherwise walks every turn of
  every call in a task's arguments looking for futures, which cost the driver (and, on a small
  machine, the workers beside it) more than the pickling.
- **Every worker builds its scorer once.** A task carries a small
  :class:`~empathy_score.scorer.WorkerConfig`; the worker process keeps the scorer built from
  it in a cache keyed by the config, so the
  pipeline and the classifier are loaded on a worker's first chunk and reused after. Threads
  of one process (a Dask worker runs joblib's tasks on several) share it and take turns.
  The default pipeline and the packaged model are built on the worker from the installed
  package; a pipeline or classifier the caller injected is pickled once on the driver and
  shipped with each chunk (a few MB: raise ``chunk_size`` when that matters).
- **Memory is flat.** Chunks go out in windows of ``2 × workers`` through
  ``joblib.Parallel(return_as="generator")``; the next window is submitted when the consumer
  starts on the current one, so workers never starve, and input is read one window ahead of
  what was sent, so that the run's end is seen coming. At most three windows of calls and
  verdicts exist at any time, however many calls there are and however slowly the consumer
  reads. Input files are read in the consumer's thread, as the consumer asks for more.
- **The run ends on small chunks.** The last stretch of calls is cut into chunks that shrink
  toward the end (guided self-scheduling), so that no worker is still on a full chunk while
  the others have nothing left to do.
- **Workers keep the garbage collector off their pipeline and model.** After its first chunk
  a worker freezes what is alive (:mod:`empathy_score.longlived`): the cyclic collector's full
  collections then skip the objects of a loaded scorer. A worker holds little else, so full
  collections come often there and walk the whole scorer each time; a process with more
  long-lived data of its own runs them more rarely.
- **Workers end with the driver.** A worker that outlived a killed driver would hold its
  ~500 MB and the driver's standard output (so that ``| tee`` never ends) for minutes. Each
  loky worker is told the driver's process id when it starts (:func:`end_with_driver`): on
  Linux the kernel sends it SIGTERM when the driver dies, and on every POSIX system a thread
  checks each second that the driver is still there.
- **Errors stay in place.** Unreadable inputs never leave the driver: their error verdicts are
  slotted back between the scored calls. A call that fails to score becomes an error verdict on
  the worker, exactly as in the serial path.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from dataclasses import fields
from itertools import islice
from typing import Any, Protocol

from .errors import EmpathyScoreError, TranscriptError
from .longlived import freeze_once
from .transcript import Transcript, Turn
from .verdict import OK, CallVerdict

__all__ = ["BACKENDS", "ScorerConfig", "loky_config", "score_parallel"]

BACKENDS = ("loky", "dask")
#: Seconds to wait for a Dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 5
"""``loky``: joblib's process pool on this machine; ``dask``: a Dask distributed cluster."""

#: Scorers a worker process keeps; a long-lived Dask worker may serve several configurations.
_CACHE_LIMIT = 4

#: Seconds between a worker's checks that its driver is alive (where the kernel cannot tell it).
WATCH_INTERVAL = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

# Plain-tuple forms of what crosses a process boundary.
_CallTuple = tuple[str, str | None, dict[str, Any], tuple[tuple[str, str, Any, Any, Any], ...]]
_VERDICT_FIELDS = tuple(f.name for f in fields(CallVerdict) if f.name != "meta")
_Entry = Transcript | TranscriptError


# --------------------------------------------------------------------------------------------
# What a worker needs, and its cache
# --------------------------------------------------------------------------------------------


class ChunkScorer(Protocol):
    """What a worker scores with: a scorer (:class:`empathy_score.EmpathyScorer`)."""

    def score_entries(self, entries: list[_Entry]) -> Iterable[CallVerdict]: ...


class ScorerConfig(Protocol):
    """What a task carries to build its worker's scorer once: small and picklable
    (:class:`empathy_score.scorer.WorkerConfig`)."""

    @property
    def key(self) -> str: ...

    def build(self) -> ChunkScorer: ...


_scorers: dict[str, tuple[ChunkScorer, threading.Lock]] = {}
_scorers_lock = threading.Lock()


def worker_scorer(config: ScorerConfig) -> tuple[ChunkScorer, threading.Lock]:
    """The scorer for ``config`` in this process, built on first use, and the lock to use it.

    One per process, not per thread: a Dask worker runs joblib's tasks on ever new threads, and
    a scorer per thread would load the pipeline for every chunk. Its threads take turns
    through the lock instead (a spaCy pipeline is not meant to run in two threads at once, and
    the work holds the GIL anyway).
    """
    with _scorers_lock:
        entry = _scorers.get(config.key)
        if entry is None:
            if len(_scorers) >= _CACHE_LIMIT:
                _scorers.clear()
            entry = _scorers[config.key] = (config.build(), threading.Lock())
    return entry


def end_with_driver(driver: int, spawned_by_main_thread: bool) -> None:
    """Worker initializer: end this worker process when the driver process ``driver`` ends.

    On Linux the kernel is asked to send SIGTERM at the parent's death (``PR_SET_PDEATHSIG``),
    which ends the worker even in the middle of a long call. The kernel sends it when the
    *thread* that started the worker ends, so it is asked only when that thread is the
    driver's main thread (a caller scoring from a short-lived thread would otherwise lose the
    pool with it). On every POSIX system a daemon thread also checks each
    :data:`WATCH_INTERVAL` seconds that the driver is still there, and ends the worker when
    it is not.
    """
    if os.name != "posix":
        return  # Windows: a worker's parent id stays the same after the parent ends
    if spawned_by_main_thread and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl here: the thread below still watches
            pass
    child = os.getppid() == driver  # else started through another process: watch by pid
    if not _alive(driver, child):  # it ended before we were told to watch it
        os._exit(1)
    watch = threading.Thread(
        target=_watch, args=(driver, child), name="empathy-score-driver-watch", daemon=True
    )
    watch.start()


def _alive(driver: int, child: bool) -> bool:
    if child:
        return os.getppid() == driver  # an orphan is adopted by another process at once
    try:
        os.kill(driver, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, though not ours to signal
        pass
    try:  # a driver that died but was not yet reaped by its parent is a zombie: gone
        with open(f"/proc/{driver}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc here: its existence is all we can know
        return True
    return state not in (b"Z", b"X")


def _watch(driver: int, child: bool) -> None:
    while _alive(driver, child):
        time.sleep(WATCH_INTERVAL)
    os._exit(1)  # nobody is left to read what this worker would compute


# --------------------------------------------------------------------------------------------
# The wire format
# --------------------------------------------------------------------------------------------


def _call_to_tuple(transcript: Transcript) -> _CallTuple:
    return (
        transcript.id,
        transcript.source,
        dict(transcript.meta),
        tuple((t.speaker, t.text, t.line, t.start, t.end) for t in transcript.turns),
    )


def _call_from_tuple(call: _CallTuple) -> Transcript:
    id_, source, meta, turns = call
    return Transcript(id=id_, turns=tuple(Turn(*t) for t in turns), meta=meta, source=source)


def _verdict_to_tuple(verdict: CallVerdict) -> tuple[Any, ...]:
    return tuple(getattr(verdict, name) for name in _VERDICT_FIELDS)


def _verdict_from_tuple(values: tuple[Any, ...], transcript: Transcript) -> CallVerdict:
    state = dict(zip(_VERDICT_FIELDS, values, strict=True))
    if state["status"] == OK:  # a scored call carries its transcript's metadata
        state["meta"] = transcript.meta
    return CallVerdict(**state)


def score_chunk(config: ScorerConfig, payload: bytes) -> bytes:
    """The task a worker runs: score a chunk of calls, one verdict (as a tuple) per call.

    ``payload`` is the pickled list of call tuples, and so is the answer of verdict tuples
    (see the module docstring).
    """
    import joblib

    scorer, lock = worker_scorer(config)
    transcripts: list[_Entry] = [_call_from_tuple(c) for c in pickle.loads(payload)]
    # scikit-learn inside the classifier calls joblib; on a Dask worker that would send tiny
    # tasks back to the cluster (and park this thread while holding the lock): keep it here
    with lock, joblib.parallel_config(backend="sequential"):
        verdicts = list(scorer.score_entries(transcripts))
    freeze_once()  # the pipeline and model are loaded now and live as long as the worker
    return _pack([_verdict_to_tuple(v) for v in verdicts])


def _pack(values: list[tuple[Any, ...]]) -> bytes:
    return pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------


def _windows(
    entries: Iterable[_Entry], size: int, count: int, workers: int
) -> Iterator[list[list[_Entry]]]:
    """Windows of ``count`` chunks of ``size`` entries, read one window ahead of the one sent.

    The end of the run (the last full window and what follows it) goes out as one window of
    :func:`_tapered` chunks, so that the workers finish together.
    """
    entries = iter(entries)
    full = size * count
    window = list(islice(entries, full))
    while window:
        ahead = list(islice(entries, full))
        if len(ahead) < full:
            yield _tapered(window + ahead, size, workers)
            return
        yield [window[i : i + size] for i in range(0, len(window), size)]
        window = ahead


def _tapered(entries: list[_Entry], size: int, workers: int) -> list[list[_Entry]]:
    """The run's last entries in chunks that shrink toward its end.

    Workers take chunks in order as they get free, so at the end of a run one may still be on
    a chunk of ``size`` long after the others ran out of work, and they sit idle meanwhile.
    Here each chunk is the remaining entries' share per worker (guided self-scheduling), at
    most ``size`` and at least an eighth of it, so that the run ends on small chunks and
    whichever worker is behind takes fewer of them.
    """
    smallest = max(1, min(-(-size // 8), -(-len(entries) // (2 * workers))))
    chunks: list[list[_Entry]] = []
    start = 0
    while start < len(entries):
        n = min(size, max(smallest, -(-(len(entries) - start) // workers)))
        chunks.append(entries[start : start + n])
        start += n
    return chunks


def _dask_client(scheduler: str | None) -> tuple[Any, bool]:
    """(client, whether we opened it): a new client for ``scheduler``, else the current one."""
    try:
        from distributed import Client, get_client
    except ImportError:
        raise EmpathyScoreError(
            "backend='dask' needs Dask distributed: pip install 'empathy_score[dask]'"
        ) from None
    if scheduler is not None:
        try:
            return Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT), True
        except (OSError, TimeoutError) as err:  # refused, unknown host, no answer in time
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise EmpathyScoreError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({reason}); check the "
                "address, or leave out the scheduler to try a local cluster"
            ) from None
    try:
        return get_client(), False
    except ValueError:
        raise EmpathyScoreError(
            "backend='dask' needs a running Dask cluster: pass scheduler='tcp://host:8786' "
            "(--scheduler on the command line) or create a distributed.Client first"
        ) from None


class _Windows:
    """Submits windows of chunks to joblib and hands back their results in order."""

    def __init__(self, n_jobs: int, backend: str, client: Any) -> None:
        import joblib

        self.n_jobs, self.backend, self.client = n_jobs, backend, client
        if backend == "dask":
            self.workers = max(1, sum(client.ncores().values()))
        else:
            self.workers = joblib.effective_n_jobs(n_jobs)
        self.size = 2 * self.workers

    def submit(self, tasks: list[tuple[ScorerConfig, bytes]]) -> Generator[Any, None, None]:
        """Start ``tasks`` now (all of them); return the generator of their results."""
        import joblib

        options: dict[str, Any] = {
            "return_as": "generator",
            "pre_dispatch": "all",
            "batch_size": 1,
        }
        if self.backend == "dask":
            # The config is entered only to build the Parallel object, never across a yield.
            with joblib.parallel_config(backend="dask", client=self.client):
                parallel = joblib.Parallel(n_jobs=-1, **options)
        else:
            with loky_config():
                parallel = joblib.Parallel(n_jobs=self.n_jobs, **options)
        return parallel(joblib.delayed(score_chunk)(config, calls) for config, calls in tasks)


def loky_config():
    """joblib's configuration for our loky pool: its workers end with this driver.

    Every use must pass the same initializer and arguments, or loky starts new workers (each
    loading the pipeline again) instead of reusing the pool.
    """
    import joblib

    main = threading.current_thread() is threading.main_thread()
    return joblib.parallel_config(
        backend="loky", initializer=end_with_driver, initargs=(os.getpid(), main)
    )


def score_parallel(
    config: ScorerConfig,
    entries: Iterable[_Entry],
    *,
    n_jobs: int,
    chunk_size: int,
    backend: str = "loky",
    scheduler: str | None = None,
) -> Iterator[CallVerdict]:
    """Score ``entries`` on a process pool or a Dask cluster; verdicts in input order.

    Parameters
    ----------
    config:
        The driver's scorer's configuration (``WorkerConfig.of(scorer)``), rebuilt once on
        every worker.
    entries:
        Parsed calls and read errors, as :meth:`EmpathyScorer.iter_inputs` yields them.
    n_jobs:
        Worker processes for ``loky`` (``-1``: all cores); the cluster decides for ``dask``.
    chunk_size:
        Calls per task.
    backend:
        ``"loky"`` or ``"dask"``.
    scheduler:
        For ``dask``: the scheduler's address; ``None`` uses the current ``distributed.Client``.
    """
    client, own_client = _dask_client(scheduler) if backend == "dask" else (None, False)
    # windows submitted and not yet read: their chunks, and the generator of their results
    in_flight: deque[tuple[list[list[_Entry]], Generator[Any, None, None]]] = deque()
    try:
        windows = _Windows(n_jobs, backend, client)
        pending = _windows(entries, chunk_size, windows.size, windows.workers)

        def submit_next() -> None:
            chunks = next(pending, None)
            if chunks:
                tasks = [
                    (config, _pack([_call_to_tuple(e) for e in c if isinstance(e, Transcript)]))
                    for c in chunks
                ]
                in_flight.append((chunks, windows.submit(tasks)))

        submit_next()
        submit_next()
        while in_flight:
            chunks, results = in_flight[0]
            for chunk in chunks:
                yield from _merge(chunk, pickle.loads(next(results)))
                if len(in_flight) < 2:  # keep a window queued behind the one being read
                    submit_next()
            in_flight.popleft()
    finally:
        with warnings.catch_warnings():  # joblib warns about results never used: by design
            warnings.simplefilter("ignore")
            for _, results in in_flight:
                results.close()  # abort what is still running
        if own_client and client is not None:
            client.close()


def _merge(chunk: list[_Entry], scored: list[tuple[Any, ...]]) -> Iterator[CallVerdict]:
    """The chunk's verdicts in order: read errors where they were, scored calls between them."""
    values = iter(scored)
    for entry in chunk:
        if isinstance(entry, TranscriptError):
            yield CallVerdict.from_error(entry, id=entry.call_id, source=entry.path)
        else:
            yield _verdict_from_tuple(next(values), entry)
