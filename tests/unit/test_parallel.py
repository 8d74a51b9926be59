"""Scoring many calls: the serial stream, the worker pool, and what travels between them."""

from __future__ import annotations

import dataclasses
import pickle
import warnings
from pathlib import Path

import pytest

from empathy_score import EmpathyScorer, TranscriptError, parse_text
from empathy_score.parallel import (
    _call_from_tuple,
    _call_to_tuple,
    _merge,
    _verdict_to_tuple,
    _windows,
    worker_scorer,
)
from empathy_score.scorer import WorkerConfig

REPO = Path(__file__).resolve().parent.parent.parent
DEMO = REPO / "corpora" / "demo"
DATA = Path(__file__).parent.parent / "data" / "transcripts"

CALL = parse_text(
    "Klant: Mijn zoon is van zijn fiets gevallen en ligt in het ziekenhuis.\n"
    "Agent: Wat naar om te horen. Mag ik uw polisnummer?\n",
    id="fiets",
    source="gesprekken/fiets.txt",
    meta={"team": "Schade Direct", "agent": "AG-7"},
)


def inputs() -> list[Path]:
    """The demo calls with a missing file and a .jsonl with a bad line in between."""
    demo = sorted(DEMO.glob("*.txt"))
    return [
        *demo[:5],
        DEMO / "bestaat_niet.txt",
        DATA / "calls_with_bad_line.jsonl",
        *demo[5:],
    ]


def test_worker_config_of_a_default_scorer_ships_no_pipeline_or_model():
    config = WorkerConfig.of(EmpathyScorer(model=None))
    assert config.nlp_blob is None
    assert config.model_blob is None
    assert config.model is None
    assert len(pickle.dumps(config)) < 1_000


def test_worker_config_is_the_same_for_scorers_configured_alike():
    assert WorkerConfig.of(EmpathyScorer()).key == WorkerConfig.of(EmpathyScorer()).key
    assert WorkerConfig.of(EmpathyScorer()).key != WorkerConfig.of(EmpathyScorer(model=None)).key


def test_worker_config_ships_an_injected_pipeline(nlp):
    config = WorkerConfig.of(EmpathyScorer(nlp, model=None))
    assert config.nlp_blob is not None
    assert config.build().nlp.pipe_names == nlp.pipe_names


def test_worker_config_ships_a_loaded_classifier_so_workers_need_not_see_its_file(scorer):
    config = WorkerConfig.of(EmpathyScorer(model=scorer.classifier))
    assert config.model is None
    assert config.model_blob is not None
    assert config.build().classifier.manifest == scorer.classifier.manifest


def test_a_worker_builds_its_scorer_once_per_config():
    config = WorkerConfig.of(EmpathyScorer(model=None, batch_size=7))
    first, _ = worker_scorer(config)
    again, _ = worker_scorer(config)
    assert again is first
    assert first.batch_size == 7


def test_a_call_crosses_processes_as_plain_text_and_comes_back_equal():
    wire = pickle.loads(pickle.dumps(_call_to_tuple(CALL)))
    assert _call_from_tuple(wire) == CALL


def test_a_verdict_comes_back_with_its_call_metadata(rules_scorer):
    verdict = rules_scorer.score_transcript(CALL)
    wire = pickle.loads(pickle.dumps(_verdict_to_tuple(verdict)))
    (back,) = _merge([CALL], [wire])
    assert back == verdict
    assert back.meta["team"] == "Schade Direct"


def test_read_errors_are_slotted_back_between_the_scored_calls(rules_scorer):
    error = TranscriptError("invalid JSON: Expecting value (column 1)", path="x.jsonl", line=3)
    scored = [_verdict_to_tuple(rules_scorer.score_transcript(CALL))] * 2
    merged = list(_merge([CALL, error, CALL], scored))
    assert [v.status for v in merged] == ["ok", "error", "ok"]
    assert merged[1].id == "x:3"
    assert merged[1].source == "x.jsonl"


def test_score_many_accepts_read_errors_as_inputs_and_keeps_them_in_place(rules_scorer):
    error = TranscriptError("empty file", path="leeg.txt")
    other = dataclasses.replace(CALL, id="fiets-2")
    verdicts = list(rules_scorer.score_many([CALL, error, other]))
    assert [v.status for v in verdicts] == ["ok", "error", "ok"]
    assert verdicts[1].error == "leeg.txt: empty file"


def test_progress_is_called_with_every_verdict_in_order(rules_scorer):
    seen = []
    verdicts = list(rules_scorer.score_many(inputs(), chunk_size=4, progress=seen.append))
    assert seen == verdicts


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"backend": "spark"}, "backend must be one of"),
        ({"n_jobs": 0}, "n_jobs must not be 0"),
        ({"chunk_size": 0}, "chunk_size must be >= 1"),
    ],
)
def test_score_many_refuses_bad_options_before_reading_anything(rules_scorer, options, message):
    with pytest.raises(ValueError, match=message):
        rules_scorer.score_many(["bestaat/niet"], **options)


@pytest.mark.parametrize("n", [0, 1, 5, 23, 24, 30, 48, 49, 100, 1000])
def test_windows_keep_every_entry_in_order_and_the_run_ends_on_small_chunks(n):
    """Full windows are chunks of ``chunk_size``; the end of the run is cut into chunks that
    shrink, so that no worker is left on a full chunk while the others wait."""
    windows = list(_windows(iter(range(n)), 6, 4, 2))
    assert [x for window in windows for chunk in window for x in chunk] == list(range(n))
    if not n:
        assert windows == []
        return
    *full, last = windows
    assert all([len(chunk) for chunk in window] == [6, 6, 6, 6] for window in full)
    sizes = [len(chunk) for chunk in last]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] > 0 and sizes[0] <= 6
    assert len(last) >= min(n, 2)  # both workers get a share, however small the run
    if n >= 24:  # a full window's worth or more at the end: it ends on the smallest chunk
        assert sizes[-1] == 1


def test_the_end_of_a_run_is_cut_by_guided_self_scheduling():
    """Each chunk at the end is the remaining calls' share per worker, between an eighth of
    ``chunk_size`` and ``chunk_size``: 4,000 calls on two workers, as the benchmark sends them."""
    windows = list(_windows(iter(range(4000)), 256, 4, 2))
    assert [[len(chunk) for chunk in window] for window in windows] == [
        [256, 256, 256, 256],
        [256, 256, 256, 256],
        [256, 256, 256, 256, 256, 256, 208, 104, 52, 32, 20],
    ]
    assert [len(c) for c in next(_windows(iter(range(30)), 256, 4, 2))] == [15, 8, 7]


def test_windows_are_read_from_the_input_one_window_ahead_and_no_further():
    read = []

    def entries():
        for i in range(100):
            read.append(i)
            yield i

    windows = _windows(entries(), 5, 2, 1)
    assert read == []
    next(windows)
    assert len(read) == 20  # the window sent and the one after it, to see the end coming
    next(windows)
    assert len(read) == 30


def test_two_processes_give_the_serial_results_in_input_order(scorer):
    """The one pool test: order, identical records, error records in place."""
    serial = [v.to_dict() for v in scorer.score_many(inputs(), chunk_size=3)]
    parallel = [v.to_dict() for v in EmpathyScorer().score_many(inputs(), n_jobs=2, chunk_size=3)]
    assert [r["id"] for r in parallel] == [r["id"] for r in serial]
    assert parallel == serial
    statuses = [r["status"] for r in parallel]
    assert statuses[5] == "error"  # the missing file, where it was given
    assert "error" in statuses[6:9] and statuses.count("ok") >= 12


def test_a_consumer_may_stop_early_and_the_pool_stops_quietly():
    verdicts = EmpathyScorer().score_many(inputs(), n_jobs=2, chunk_size=2)
    first = [next(verdicts) for _ in range(3)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        verdicts.close()
    assert [v.id for v in first] == [p.stem for p in inputs()[:3]]
    assert [str(w.message) for w in caught] == []
