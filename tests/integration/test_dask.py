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


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    import socket
    import time

    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    start = time.monotonic()
    code = main(["score", str(DEMO), "--quiet", "--backend", "dask", "--scheduler", address])
    seconds = time.monotonic() - start
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith(f"empathy-score: cannot reach the Dask scheduler at '{address}'")
    assert len(err.strip().splitlines()) == 1
    assert seconds < 30  # the connection timeout, not distributed's default of minutes


# the module's own cluster holds the scheduler's default HTTP port; a second one moves on
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_without_a_scheduler_the_command_starts_a_local_cluster(tmp_path, capsys):
    here, there = tmp_path / "lokaal.jsonl", tmp_path / "dask.jsonl"
    main(["score", *INPUTS, "--out", str(here), "--quiet"])
    code = main(["score", *INPUTS, "--out", str(there), "--backend", "dask", "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 1  # the inputs hold a missing file and a bad line, as locally
    assert "starting a local Dask cluster of 2 workers" in err
    assert there.read_bytes() == here.read_bytes()
