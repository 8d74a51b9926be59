"""read_previous reads the output of a long run a line at a time, not as one block."""

import json
import tracemalloc

from empathy_score.resume import read_previous


def test_reading_a_large_output_to_resume_holds_a_fraction_of_it_in_memory(tmp_path):
    out = tmp_path / "scores.jsonl"
    evidence = [{"turn": 1, "label": "acknowledge_feelings", "text": "Wat vervelend voor u"}] * 8
    with out.open("w", encoding="utf-8") as stream:
        for n in range(20_000):
            record = {
                "id": f"gesprek-{n}",
                "source": f"gesprekken/{n}.txt",
                "status": "ok",
                "opportunity": True,
                "straight_to_data": n % 3 == 0,
                "markers": evidence,
            }
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        stream.write('{"id": "gesprek-20000", "source": "gespr')  # torn by a crash
    size = out.stat().st_size
    tracemalloc.start()
    previous = read_previous(out, "jsonl", [])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert previous.calls == 20_000
    assert previous.counts["straight_to_data"] == 6_667
    assert previous.torn_bytes > 0 and out.stat().st_size < size  # the torn end is cut off
    assert peak < size / 3  # the ids it must remember, not the whole file
