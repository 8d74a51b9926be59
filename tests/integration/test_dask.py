"""Scoring on a Dask cluster gives what a local run gives (a LocalCluster stands in for one)."""

from __future__ import annotations

from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="Dask is an optional extra: pip install 'empathy_score[dask]'"
)

from empathy_score import EmpathyScorer  # noqa: E402
from empathy_score.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent
DEMO = REPO / "corpora" / "demo"
BAD_LINES = Path(__file__).parent.parent / "data" / "transcripts" / "calls_with_bad_line.jsonl"
INPUTS = [str(DEMO), str(DEMO / "bestaat_niet.txt"), str(BAD_LINES)]


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded workers in this process: a cluster without the start-up cost."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local


def test_a_dask_cluster_gives_the_local_results_in_order(cluster, scorer):
    local = [v.to_dict() for v in scorer.score_many(INPUTS)]
    remote = EmpathyScorer().score_many(
        INPUTS, backend="dask", scheduler=cluster.scheduler_address, chunk_size=3
    )
    assert [v.to_dict() for v in remote] == local


def test_the_current_dask_client_is_used_when_no_scheduler_is_named(cluster, rules_scorer):
    local = [v.to_dict() for v in rules_scorer.score_many([str(DEMO)])]
    with distributed.Client(cluster):
        remote = EmpathyScorer(model=None).score_many([str(DEMO)], backend="dask")
        assert [v.to_dict() for v in remote] == local


def test_the_command_line_writes_the_same_file_through_dask(cluster, tmp_path, capsys):
    here, there = tmp_path / "lokaal.jsonl", tmp_path / "dask.jsonl"
    main(["score", *INPUTS, "--out", str(here), "--quiet"])
    argv = ["score", *INPUTS, "--out", str(there), "--quiet", "--backend", "dask"]
    main([*argv, "--scheduler", cluster.scheduler_address])
    assert there.read_bytes() == here.read_bytes()


def test_without_a_cluster_the_dask_backend_says_how_to_name_one(rules_scorer, monkeypatch):
    from empathy_score.errors import EmpathyScoreError

    def no_client():
        raise ValueError("No global client found and no address provided")

    monkeypatch.setattr(distributed, "get_client", no_client)
    with pytest.raises(EmpathyScoreError, match="needs a running Dask cluster"):
        list(rules_scorer.score_many([str(DEMO)], backend="dask"))
