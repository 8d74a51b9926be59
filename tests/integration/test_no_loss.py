"""Nothing is lost: a folder of 1,000 files, dozens of them broken in every way we know of.

Every file must come out of the batch as verdicts — scored, or an error naming it — and every
scored call must get the same verdict in the batch as when its file is scored alone.
"""

from __future__ import annotations

import json
import os
import pathlib
import warnings
from collections import Counter
from pathlib import Path

import pytest

from empathy_score.scorer import EmpathyScorer
from empathy_score.verdict import CallVerdict

TOTAL_FILES = 1000

CALLS = [
    [
        ("agent", "Goedemiddag, u spreekt met Sanne van Zilverlinde, waarmee kan ik u helpen?"),
        ("klant", "Mijn hond is aangereden door een auto, ik ben er helemaal kapot van."),
        ("agent", "Wat is uw polisnummer?"),
        ("klant", "Dat weet ik niet uit mijn hoofd."),
    ],
    [
        ("agent", "Goedemorgen, Autolease Nederland, met Eva."),
        ("klant", "Mijn zoon is ziek geworden op de achterbank van de leaseauto."),
        ("agent", "Wat naar om te horen, hoe gaat het nu met hem? Wat is het kenteken?"),
    ],
    [
        ("agent", "Goedemiddag, klantenservice van Glasnet."),
        ("klant", "Hoe laat zijn jullie zaterdag open?"),
        ("agent", "Van tien tot vijf."),
    ],
]
ANONYMOUS = {"agent": "SPEAKER_01", "klant": "SPEAKER_00"}


def txt(call):
    return "".join(f"{speaker}: {text}\n" for speaker, text in call)


def project_json(call, call_id):
    return {"id": call_id, "turns": [{"speaker": s, "text": t} for s, t in call]}


def segments(call):
    return [
        {"speaker": ANONYMOUS[s], "start": 2.0 * i, "end": 2.0 * i + 1.5, "text": t}
        for i, (s, t) in enumerate(call)
    ]


def vtt(call):
    cues = [
        f"00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 1:02d}.500\n<v {ANONYMOUS[s]}>{t}\n"
        for i, (s, t) in enumerate(call)
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def srt(call):
    cues = [
        f"{i + 1}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},500\n{s.title()}: {t}\n"
        for i, (s, t) in enumerate(call)
    ]
    return "\n".join(cues)


def table(calls, stem, delimiter):
    rows = [delimiter.join(("call_id", "speaker", "text", "team"))]
    for n, call in enumerate(calls):
        rows += [
            delimiter.join((f"{stem}-{n}", s, t.replace(delimiter, " "), "schade")) for s, t in call
        ]
    return "\n".join(rows) + "\n"


def write_good(folder: Path, n: int) -> tuple[Path, int]:
    """The n-th good file and the number of calls in it."""
    call = CALLS[n % len(CALLS)]
    kind = n % 8
    stem = f"goed_{n:04d}"
    if kind == 0:
        path, data, calls = folder / f"{stem}.txt", txt(call), 1
    elif kind == 1:
        path, data, calls = folder / f"{stem}.json", json.dumps(project_json(call, stem)), 1
    elif kind == 2:
        lines = [json.dumps(project_json(c, f"{stem}-{i}")) for i, c in enumerate(CALLS[:2])]
        path, data, calls = folder / f"{stem}.jsonl", "\n".join(lines) + "\n", 2
    elif kind == 3:
        path, data, calls = folder / f"{stem}.csv", table(CALLS, stem, ";"), 3
    elif kind == 4:
        path, data, calls = folder / f"{stem}.tsv", table(CALLS[:2], stem, "\t"), 2
    elif kind == 5:
        path, data, calls = folder / f"{stem}.vtt", vtt(call), 1
    elif kind == 6:
        path, data, calls = folder / f"{stem}.srt", srt(call), 1
    else:
        path, data, calls = folder / f"{stem}.json", json.dumps({"segments": segments(call)}), 1
    path.write_text(data, "utf-8")
    return path, calls


def write_broken(folder: Path) -> dict[Path, Counter]:
    """Every kind of broken file, several times each: path -> expected (status -> count)."""
    expected: dict[Path, Counter] = {}

    def add(name: str, data: bytes | str, ok: int = 0, error: int = 1) -> Path:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        expected[path] = Counter({"ok": ok, "error": error}) - Counter()
        return path

    for i in range(4):
        for suffix in (".txt", ".json", ".jsonl", ".csv", ".vtt", ".srt"):
            add(f"leeg_{i}{suffix}", b"")
        add(f"binair_{i}.txt", b"\x00\x01RIFF\x00WAVE" * 50)
        add(f"binair_{i}.vtt", b"WEBVTT\x00\x00\xff\xfe")
        add(f"utf16_{i}.csv", txt(CALLS[0]).encode("utf-16"))
        add(f"kapot_{i}.json", '{"id": "x", "turns": [')
        add(f"vorm_{i}.json", json.dumps({"id": f"vorm-{i}", "turns": "Klant: hallo"}))
        add(f"segmenten_{i}.json", json.dumps({"segments": [{"speaker": "SPEAKER_00"}]}))
        add(f"label_{i}.txt", "Medewerker: Goedemiddag.\nTeamleider: Ik neem het over.\n")
        add(f"label_{i}.vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Manager>Hallo.\n")
        add(f"geen_webvtt_{i}.vtt", "00:00:00.000 --> 00:00:01.000\nAgent: Hallo.\n")
        add(f"geen_srt_{i}.srt", "Dit is geen ondertitel.\n\n1\n")
        add(f"een_spreker_{i}.txt", "Klant: Mijn auto is gestolen.\nKlant: Hallo?\n")
        add(f"geen_klant_{i}.json", json.dumps(segments(CALLS[2])[:1]))
        lines = [json.dumps(project_json(CALLS[0], f"regels-{i}")), "{kapot", ""]
        add(f"regels_{i}.jsonl", "\n".join(lines), ok=1, error=1)
        rows = f"call_id,speaker,text\nr{i}-a,agent,Goedemiddag.\nr{i}-a,klant,Hallo.\n,klant,x\n"
        add(
            f"rijen_{i}.csv", rows + f"r{i}-b,agent,Hallo.\nr{i}-b,Teamleider,Hoi.\n", ok=1, error=2
        )
        add(f"dubbel_{i}_a.json", json.dumps(project_json(CALLS[1], f"dubbel-{i}")), ok=1, error=0)
        add(f"dubbel_{i}_b.json", json.dumps(project_json(CALLS[1], f"dubbel-{i}")))
        add(f"geheim_{i}.txt", txt(CALLS[0]))  # made unreadable below
        add(
            f"cp1252_{i}.txt",
            txt(CALLS[0]).replace("Zilverlinde", "Zilverlindé").encode("cp1252"),
            ok=1,
            error=0,
        )
    add("groot_0.txt", b"Klant: " + b"a" * (50 * 1024 * 1024))
    add("lang_0.txt", b"Klant: " + b"hallo " * 400_000)  # under max_bytes, too long for a turn
    add("groot_1.jsonl", b'{"turns": [{"speaker": "klant", "text": "' + b"a" * (11 * 1024 * 1024))
    if hasattr(os, "symlink"):
        loop = folder / "lus_0.txt"
        loop.symlink_to(loop)
        expected[loop] = Counter({"error": 1})
        (folder / "map_lus").symlink_to(folder, target_is_directory=True)
    return expected


def comparable(verdict: CallVerdict) -> dict:
    """The verdict as a record; the classifier's probability to 9 decimals, as a batch of calls
    and a single call may differ in the last bit of floating point."""
    record = verdict.to_dict()
    if record["straight_to_data_probability"] is not None:
        record["straight_to_data_probability"] = round(record["straight_to_data_probability"], 9)
    return record


@pytest.fixture
def unreadable(monkeypatch):
    """Files named geheim_* cannot be opened (tests run as root, so chmod would not stop us)."""
    real_open = pathlib.Path.open

    def guarded(self, *args, **kwargs):
        reading = "r" in (args[0] if args else kwargs.get("mode", "r"))
        if reading and self.name.startswith("geheim_"):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", guarded)


def test_every_file_of_a_thousand_is_scored_or_errored_as_when_scored_alone(tmp_path, unreadable):
    folder = tmp_path / "gesprekken"
    folder.mkdir()
    expected = write_broken(folder)
    broken = len(expected)
    assert 40 <= broken < TOTAL_FILES
    for n in range(TOTAL_FILES - broken):
        path, calls = write_good(folder, n)
        expected[path] = Counter({"ok": calls})
    assert len(expected) == TOTAL_FILES

    scorer = EmpathyScorer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cp1252 files warn; that is tested elsewhere
        verdicts = list(scorer.score_many(folder, chunk_size=128))
        found: dict[Path, Counter] = {}
        for verdict in verdicts:
            assert verdict.source is not None, verdict
            found.setdefault(Path(verdict.source), Counter())[verdict.status] += 1
        assert found == expected

        for verdict in verdicts:
            if verdict.status == "error":
                assert Path(verdict.error.split(":", 1)[0]).name in verdict.error
        alone = {(v.source, v.id): v for path in expected for v in scorer.score_many(path) if v.ok}
    batch = {(v.source, v.id): v for v in verdicts if v.ok}
    only_alone = {Path(source).name for source, _ in alone.keys() - batch.keys()}
    assert only_alone == {f"dubbel_{i}_b.json" for i in range(4)}  # duplicates only in a batch
    differ = [key for key in batch if comparable(batch[key]) != comparable(alone[key])]
    assert not differ, (batch[differ[0]], alone[differ[0]])
