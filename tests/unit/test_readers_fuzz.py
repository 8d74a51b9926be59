"""Fuzzing the readers: whatever the input, they raise nothing but TranscriptError.

Each reader is fed text built from the pieces its format is made of (so that Hypothesis reaches
deep into the parsers) as well as arbitrary text, and every file reader arbitrary bytes.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empathy_score.errors import TranscriptError, TranscriptWarning
from empathy_score.readers.diarized import transcript_from_segments
from empathy_score.readers.subtitles import parse_srt, parse_vtt
from empathy_score.readers.tabular import read_table
from empathy_score.transcript import (
    DEFAULT_ROLE_ALIASES,
    SUPPORTED_SUFFIXES,
    Transcript,
    iter_transcripts,
    load_transcript,
)

ROLES = DEFAULT_ROLE_ALIASES
FUZZ = settings(max_examples=300, deadline=None)


def pieces_of(*pieces: str) -> st.SearchStrategy[str]:
    """Text made of the format's own pieces, with some arbitrary text mixed in."""
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=8)), max_size=40).map(
        "".join
    )


VTT = pieces_of(
    "WEBVTT",
    "\n",
    "\n\n",
    "00:00:01.000 --> 00:00:02.000",
    "99999999999:00:00.000",
    " --> ",
    "<v Agent>",
    "<v SPEAKER_00>",
    "<v >",
    "</v>",
    "Klant: ",
    "Teamleider: ",
    "- ",
    "NOTE ",
    "STYLE",
    "&amp;",
    "Goedemiddag, waarmee kan ik u helpen?",
)
SRT = pieces_of(
    "1\n",
    "\n",
    "\n\n",
    "00:00:01,000 --> 00:00:02,000\n",
    "99999999999999999999:00:00,000",
    " --> ",
    "[SPEAKER_01]: ",
    "Agent: ",
    "<i>",
    "Ik bel omdat mijn hond is aangereden.",
)
TABLE = pieces_of(
    "call_id;speaker;text;start;end\n",
    "call_id,speaker,text\n",
    "\n",
    ";",
    ",",
    "\t",
    '"',
    "c1",
    "agent",
    "SPEAKER_00",
    "Manager",
    "12,5",
    "01:02:03",
    "-4",
    "Mag ik uw polisnummer?",
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from(["SPEAKER_00", "spk_1", "agent", "Hallo", ""]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["segments", "speaker", "text", "start", "end", "id", "meta", "turns"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@FUZZ
@given(VTT, st.sampled_from([None, "SPEAKER_00", "Spreker 9"]))
def test_the_webvtt_reader_raises_only_transcript_error(text, agent_speaker):
    with contextlib.suppress(TranscriptError):
        parse_vtt(text, id="x", source="x.vtt", roles=ROLES, agent_speaker=agent_speaker)


@FUZZ
@given(SRT)
def test_the_subrip_reader_raises_only_transcript_error(text):
    with contextlib.suppress(TranscriptError):
        parse_srt(text, id="x", source="x.srt", roles=ROLES)


@FUZZ
@given(TABLE, st.sampled_from([None, ";", "\t"]))
def test_the_table_reader_yields_calls_and_errors_only(text, delimiter):
    for entry in read_table(text, source="x.csv", delimiter=delimiter, roles=ROLES):
        assert isinstance(entry, Transcript | TranscriptError)


@FUZZ
@given(JSON_VALUES)
def test_the_diarised_reader_raises_only_transcript_error(value):
    with contextlib.suppress(TranscriptError):
        transcript_from_segments(value, default_id="x", source="x.json", line=None, roles=ROLES)


files = st.one_of(
    st.binary(max_size=300),
    VTT.map(str.encode),
    SRT.map(str.encode),
    TABLE.map(str.encode),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SUPPORTED_SUFFIXES), files)
def test_every_file_reader_raises_only_transcript_error(suffix, data):
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", TranscriptWarning)  # cp1252 fallback on random bytes
        path = Path(folder) / f"gesprek{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(TranscriptError):
            load_transcript(path, max_bytes=200)
        entries = list(iter_transcripts(path, max_bytes=200))
        assert entries and all(isinstance(e, Transcript | TranscriptError) for e in entries)
