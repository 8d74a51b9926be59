"""The annotated corpus: calls with gold labels, and its fixed train/dev/test split.

Layout (see ``corpora/README.md``): ``calls/<batch>.jsonl`` holds the transcripts in the
project's JSONL format, ``gold/<batch>.jsonl`` their labels per the annotation guide in that
README, one line per call with the same ids. The split is a stable hash of the call id, so it
never changes when calls are added and no one chooses which call lands in the test set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TranscriptError
from .reading import iter_transcripts
from .transcript import Transcript

__all__ = [
    "SPLITS",
    "GoldCall",
    "corpus_fingerprint",
    "gold_problems",
    "load_corpus",
    "split_of",
]

SPLITS = ("train", "dev", "test")
#: Percent of calls (by id hash) in train and dev; the rest is test.
_TRAIN, _DEV = 70, 15


def split_of(call_id: str) -> str:
    """``train``, ``dev`` or ``test``: a stable hash of the id, 70/15/15."""
    bucket = int(hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    if bucket < _TRAIN:
        return "train"
    return "dev" if bucket < _TRAIN + _DEV else "test"


@dataclass(frozen=True)
class GoldCall:
    """One annotated call: the transcript and its gold labels (the keys of the annotation guide,
    ``corpora/README.md``)."""

    transcript: Transcript
    gold: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.transcript.id

    @property
    def split(self) -> str:
        return split_of(self.transcript.id)

    @property
    def style(self) -> str:
        return str(self.transcript.meta.get("style", "clean"))


def _read_gold(path: Path) -> dict[str, dict[str, Any]]:
    gold: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise TranscriptError(f"invalid gold JSON: {err.msg}", path=path, line=number) from None
        if not isinstance(record, dict) or "id" not in record:
            raise TranscriptError("a gold record needs an id", path=path, line=number)
        gold[str(record["id"])] = record
    return gold


def load_corpus(root: str | Path, splits: Iterable[str] | None = None) -> list[GoldCall]:
    """Every annotated call under ``root`` (a corpus folder with ``calls/`` and ``gold/``).

    ``splits`` keeps only calls in those splits (``{"train"}``, ``{"dev", "test"}``…);
    a split name alone as ``root``'s last part (``corpora/dev``) is understood too.
    """
    root = Path(root)
    if root.name in SPLITS and not root.exists():
        splits, root = [root.name], root.parent
    wanted = set(splits) if splits is not None else set(SPLITS)
    unknown = wanted - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)}; known: {', '.join(SPLITS)}")
    calls_dir, gold_dir = root / "calls", root / "gold"
    if not calls_dir.is_dir() or not gold_dir.is_dir():
        raise TranscriptError("not a corpus folder (needs calls/ and gold/)", path=root)
    out: list[GoldCall] = []
    for calls_file in sorted(calls_dir.glob("*.jsonl")):
        gold_file = gold_dir / calls_file.name
        if not gold_file.exists():
            raise TranscriptError("no gold labels beside these calls", path=gold_file)
        gold = _read_gold(gold_file)
        for entry in iter_transcripts(calls_file):
            if isinstance(entry, TranscriptError):
                raise entry
            if entry.id not in gold:
                raise TranscriptError(f"call {entry.id!r} has no gold labels", path=gold_file)
            if split_of(entry.id) in wanted:
                out.append(GoldCall(entry, gold[entry.id]))
    return out


def corpus_fingerprint(calls: Iterable[GoldCall]) -> str:
    """SHA-256 over the ids, turns and gold labels: names the exact training data."""
    digest = hashlib.sha256()
    for call in sorted(calls, key=lambda c: c.id):
        record = {
            "id": call.id,
            "turns": [[t.speaker, t.text] for t in call.transcript.turns],
            "gold": call.gold,
        }
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def iter_gold_markers(gold: Mapping[str, Any]) -> Iterator[tuple[int, str]]:
    """(turn, category) of every gold marker."""
    for marker in gold.get("markers", []):
        yield int(marker["turn"]), str(marker["category"])


def gold_problems(call: GoldCall) -> list[str]:
    """Where a gold record breaks the annotation guide's own rules (empty: consistent).

    The evidence must quote its turn verbatim, agent evidence must sit in agent turns and
    opportunities in customer turns, and every call-level label must follow from the evidence
    by the guide's definitions (``corpora/README.md``), so that a writer's labels and the
    library's verdict logic can never disagree about what a label means.
    """
    turns, gold = call.transcript.turns, call.gold
    problems: list[str] = []
    where: dict[str, list[tuple[int, int]]] = {}
    for key, speaker in (
        ("opportunities", "customer"),
        ("data_requests", "agent"),
        ("markers", "agent"),
    ):
        where[key] = []
        for item in gold.get(key, []):
            turn = item.get("turn")
            if not isinstance(turn, int) or not 0 <= turn < len(turns):
                problems.append(f"{key}: turn {turn!r} is not a turn of the call")
                continue
            start = turns[turn].text.find(str(item.get("text", "")))
            if not item.get("text") or start < 0:
                problems.append(f"{key}: {item.get('text')!r} is not a substring of turn {turn}")
                continue
            if turns[turn].speaker != speaker:
                problems.append(f"{key}: turn {turn} is not a {speaker} turn")
            where[key].append((turn, start))
    requests = sorted(where["data_requests"])
    first = requests[0] if requests else None
    markers = where["markers"]
    if first is None:
        opportunity = bool(where["opportunities"])
        before = bool(markers)
    else:
        opportunity = any(t < first[0] for t, _ in where["opportunities"])
        before = any(m < first for m in markers)
    derived = {
        "opportunity": opportunity,
        "first_data_request_turn": first[0] if first else None,
        "data_fields": sorted({str(r.get("field")) for r in gold.get("data_requests", [])}),
        "empathy_shown": bool(markers),
        "empathy_before_data": before,
        "straight_to_data": opportunity and first is not None and not before,
    }
    for key, value in derived.items():
        given = gold.get(key)
        if key == "data_fields" and isinstance(given, list):
            given = sorted(given)
        if given != value:
            problems.append(f"{key} is {given!r}, but the evidence says {value!r}")
    return problems
