"""Readers for the input formats beyond the project's own ``.txt``, ``.json`` and ``.jsonl``.

:mod:`empathy_score.transcript` stays the dispatcher: it reads the bytes, enforces the size limit
and the encoding, and hands the text to the reader for the file's format. One module per idea:

- :mod:`~empathy_score.readers.tabular` – ``.csv`` / ``.tsv``: one row per turn, many calls;
- :mod:`~empathy_score.readers.subtitles` – ``.vtt`` / ``.srt`` speech-to-text output;
- :mod:`~empathy_score.readers.diarized` – diarised speech-to-text JSON segments;
- :mod:`~empathy_score.readers.segments` – speaker-labelled pieces to turns (shared);
- :mod:`~empathy_score.readers.roles` – which anonymous speaker is the agent.

Modules are imported by the dispatcher when a file needs them, so that importing
:mod:`empathy_score` does not import the subtitle parsers.
"""
