"""A stopped run stops whole: no worker outlives the driver, SIGTERM stops like Ctrl-C.

Real ``empathy-score score`` processes are started and signalled here. The bounds are on
liveness (a worker must be gone within half a minute, not within a given speed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from empathy_score.cli import main

REPO = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="processes are found through /proc"
)

#: Seconds a process is given to appear or to end: a liveness bound on a busy machine.
PATIENCE = 60


def write_calls(folder: Path, count: int = 200) -> Path:
    """``count`` calls of 60 turns each: enough work that a run with workers lasts a while."""
    folder.mkdir()
    for i in range(count):
        turns = []
        for j in range(30):
            turns.append(f"Klant: Mijn auto is aangereden op de parkeerplaats ({i}.{j}).")
            turns.append("Medewerker: Wat vervelend voor u. Mag ik uw polisnummer?")
        (folder / f"gesprek_{i:03d}.txt").write_text("\n".join(turns) + "\n", encoding="utf-8")
    return folder


def start_score(*argv: str) -> subprocess.Popen:
    """``python -m empathy_score score ARGV`` on this checkout, its output pipes captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "empathy_score", "score", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )


def children(pid: int) -> dict[int, str]:
    """The living child processes of ``pid``: process id -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent(int(entry.name)) == pid:
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            found[int(entry.name)] = command.decode(errors="replace")
    return found


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, …


def _parent(pid: int) -> int | None:
    stat = _stat(pid)
    return int(stat[1]) if stat else None


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a parent to reap it has ended)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def end_leftovers(pids) -> None:
    """Kill what a failing test would leave running (the defect these tests look for)."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PATIENCE} s: {what}")
        time.sleep(0.05)


def workers_of(driver: subprocess.Popen) -> dict[int, str]:
    """Wait until the driver has started its two loky workers; its children then."""
    found: dict[int, str] = {}

    def started() -> bool:
        found.clear()
        found.update(children(driver.pid))
        assert driver.poll() is None, driver.communicate()[1].decode()
        return sum("LokyProcess" in command for command in found.values()) == 2

    wait_until(started, "the driver starts two workers")
    return found


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_worker_outlives_a_driver_that_is_killed(tmp_path, stop):
    calls = write_calls(tmp_path / "gesprekken")
    driver = start_score(str(calls), "--jobs", "2", "--out", str(tmp_path / "scores.jsonl"))
    helpers = workers_of(driver)  # the workers, and loky's resource trackers
    try:
        driver.send_signal(stop)
        # the output pipes close only when every process holding them (the workers too) is
        # gone: `empathy-score score … | tee` ends
        _, err = driver.communicate(timeout=PATIENCE)
        assert driver.returncode == (143 if stop == signal.SIGTERM else -signal.SIGKILL), err
        wait_until(lambda: not any(map(alive, helpers)), f"{helpers} end with their driver")
    finally:
        end_leftovers(helpers)


def test_sigterm_stops_like_ctrl_c_and_resume_completes_the_run(tmp_path):
    calls = write_calls(tmp_path / "gesprekken")
    out = tmp_path / "scores.jsonl"
    argv = [str(calls), "--jobs", "2", "--chunk-size", "2", "--out", str(out)]
    driver = start_score(*argv)
    wait_until(lambda: out.exists() and out.read_bytes().count(b"\n") >= 1, "a first record")
    assert driver.poll() is None, "the run ended before it could be stopped"
    helpers = children(driver.pid)
    try:
        driver.send_signal(signal.SIGTERM)
        _, err = driver.communicate(timeout=PATIENCE)
    finally:
        end_leftovers(helpers)
    message = err.decode()
    assert driver.returncode == 143, message
    assert "terminated after" in message
    assert "--resume to continue" in message
    written = out.read_bytes()
    assert written.endswith(b"\n"), "a torn last record"
    done = [json.loads(line)["id"] for line in written.splitlines()]
    assert 0 < len(done) < 200

    assert main(["score", *argv, "--resume", "--quiet"]) == 0
    ids = [json.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert sorted(ids) == sorted(f"gesprek_{i:03d}" for i in range(200))
    assert ids[: len(done)] == done


def test_a_worker_whose_driver_dies_ends_without_help_from_the_kernel(tmp_path):
    """The portable watch alone (no PR_SET_PDEATHSIG): a thread that sees the parent go."""
    watching = tmp_path / "watching"
    driver_code = textwrap.dedent(
        """
        import subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
        print(worker.pid, flush=True)
        time.sleep(600)
        """
    )
    worker_code = textwrap.dedent(
        """
        import os, sys, time
        from pathlib import Path
        from empathy_score.parallel import end_with_driver
        end_with_driver(os.getppid(), spawned_by_main_thread=False)
        Path(sys.argv[1]).touch()
        time.sleep(600)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    driver = subprocess.Popen(
        [sys.executable, "-c", driver_code, worker_code, str(watching)],
        stdout=subprocess.PIPE,
        env=env,
    )
    worker = int(driver.stdout.readline())
    try:
        wait_until(watching.exists, "the worker watches its driver")
        assert alive(worker)
        driver.kill()
        driver.wait(timeout=PATIENCE)
        wait_until(lambda: not alive(worker), "the worker ends after its driver")
    finally:
        driver.kill()
        driver.stdout.close()
        if alive(worker):
            os.kill(worker, signal.SIGKILL)
