"""The garbage collector is kept off the loaded pipeline and model, in our processes only.

Each check runs in a fresh interpreter: freezing is for the life of a process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent.parent / "corpora" / "demo"


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()[-1]


def test_a_worker_freezes_what_is_alive_after_its_first_chunk():
    frozen = run(
        f"""
        import gc, pickle
        from empathy_score import EmpathyScorer, iter_transcripts
        from empathy_score.parallel import _call_to_tuple, _pack, score_chunk
        from empathy_score.scorer import WorkerConfig
        calls = [c for c in iter_transcripts({str(DEMO)!r})][:3]
        before = gc.get_freeze_count()
        done = pickle.loads(score_chunk(WorkerConfig.of(EmpathyScorer(model=None)),
                                        _pack([_call_to_tuple(c) for c in calls])))
        assert before == 0 and len(done) == 3
        print(gc.get_freeze_count())
        """
    )
    assert int(frozen) > 50_000  # the pipeline's objects, at least


def test_scoring_in_your_own_process_leaves_your_garbage_collector_alone():
    frozen = run(
        f"""
        import gc
        from empathy_score import EmpathyScorer
        verdicts = list(EmpathyScorer(model=None).score_many([{str(DEMO)!r}]))
        assert len(verdicts) == 12
        print(gc.get_freeze_count())
        """
    )
    assert frozen == "0"


def test_the_score_command_freezes_but_not_when_called_from_a_program(tmp_path):
    out = tmp_path / "v.jsonl"
    command = f"""
        import gc, sys
        from empathy_score.cli import main
        sys.argv = ["empathy-score", "score", {str(DEMO)!r}, "--out", {str(out)!r}, "--quiet"]
        main()  # as the empathy-score command runs it
        print(gc.get_freeze_count())
        """
    assert int(run(command)) > 50_000  # the pipeline's objects, at least
    assert len(out.read_text(encoding="utf-8").splitlines()) == 12
    called = f"""
        import gc
        from empathy_score.cli import main
        main(["score", {str(DEMO)!r}, "--out", {str(out)!r}, "--quiet"])
        print(gc.get_freeze_count())
        """
    assert run(called) == "0"
