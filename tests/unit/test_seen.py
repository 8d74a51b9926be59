"""SeenIds: every duplicate id found, near ones with their place, in memory that stays small."""

import tracemalloc

import pytest

from empathy_score import parse_text
from empathy_score.seen import SeenIds
from empathy_score.transcript import flag_duplicate_ids


def call(call_id, source):
    return parse_text(
        "Klant: Mijn hond is aangereden.\nAgent: Wat schrikken. Mag ik uw polisnummer?",
        id=call_id,
        source=source,
    )


def test_a_recent_duplicate_names_the_file_and_line_of_the_first():
    seen = SeenIds(window=10)
    seen["a-0001"] = "gesprekken/a.jsonl:1"
    assert seen.get("a-0001") == "gesprekken/a.jsonl:1"
    assert seen.get("a-0002") is None


def test_an_old_duplicate_is_still_found_and_named_by_its_position_in_the_run():
    seen = SeenIds(window=10)
    for n in range(1000):
        seen[f"gesprek-{n}"] = f"gesprekken/{n}.txt:1"
    assert len(seen) == 1000
    assert seen.get("gesprek-999") == "gesprekken/999.txt:1"  # recent: its place
    assert seen.get("gesprek-3") == "call 4 of this run"  # long gone from the window
    assert seen.get("gesprek-500") == "call 501 of this run"
    assert all(seen.get(f"ander-{n}") is None for n in range(5000))  # no false duplicates


def test_flag_duplicate_ids_reports_old_and_recent_duplicates_in_place():
    seen = SeenIds(window=4)
    calls = [call(f"c{n}", f"map/c{n}.txt") for n in range(20)]
    calls += [call("c19", "map/kopie_c19.txt"), call("c0", "map/kopie_c0.txt")]
    out = list(flag_duplicate_ids(calls, seen))
    assert len(out) == 22  # every input accounted for
    recent, old = out[20], out[21]
    assert "already read from map/c19.txt:1" in str(recent)
    assert recent.path == "map/kopie_c19.txt"
    assert "already read from call 1 of this run" in str(old)
    assert old.path == "map/kopie_c0.txt"


def test_memory_stays_small_where_a_dict_of_every_id_grows():
    ids = [f"gesprek_{n:07d}" for n in range(200_000)]
    place = "/data/kwartaal3/gesprekken/gesprek_0000000.txt:1"

    def traced(store) -> int:
        tracemalloc.start()
        for call_id in ids:
            store[call_id] = place[:-13] + call_id + ".txt:1"
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size

    as_dict = traced({})
    compact = traced(SeenIds(window=10_000))
    assert as_dict > 25 * 2**20
    assert compact < as_dict / 4


def test_window_must_be_positive():
    with pytest.raises(ValueError, match="window"):
        SeenIds(window=0)


def test_call_counts_take_each_written_call_once_and_count_repeats():
    from empathy_score.seen import CallCounts

    done = CallCounts()
    done.add(("a-0001", "gesprekken/a.jsonl"))
    done.add(("a-0001", "gesprekken/a.jsonl"))  # the same call twice in the inputs and output
    done.add(("b", "gesprekken/b.txt"))
    assert len(done) == 3
    assert done.take(("a-0001", "gesprekken/a.jsonl"))
    assert done.take(("a-0001", "gesprekken/a.jsonl"))
    assert not done.take(("a-0001", "gesprekken/a.jsonl"))  # a third copy is new work
    assert not done.take(("a-0001", "elders/a.jsonl"))  # same id, other file: not done
    assert not done.take(("b", ""))
    assert done.take(("b", "gesprekken/b.txt"))
    assert len(done) == 0
    done.add(("c", ""))  # added after taking: still found
    assert done.take(("c", ""))


def test_positions_count_from_the_start_of_the_run_across_all_inputs(tmp_path, monkeypatch):
    """A scorer checks ids once, across every path it is given: a duplicate inside the second
    file is named by its place in the whole run, not in that file."""
    import functools
    import json

    import empathy_score.scorer as scorer_module
    from empathy_score import EmpathyScorer

    monkeypatch.setattr(scorer_module, "SeenIds", functools.partial(SeenIds, window=1))
    turns = [
        {"speaker": "klant", "text": "Mijn hond is aangereden."},
        {"speaker": "agent", "text": "Wat schrikken. Mag ik uw polisnummer?"},
    ]
    for name, ids in (("a.jsonl", ["x1", "x2", "x3"]), ("b.jsonl", ["y1", "y2", "y3", "y1"])):
        lines = [json.dumps({"id": i, "turns": turns}) for i in ids]
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    entries = list(
        EmpathyScorer(model=None).iter_inputs([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
    )
    assert len(entries) == 7
    assert "already read from call 4 of this run" in str(entries[-1])
