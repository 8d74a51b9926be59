"""One module per input format, and the steps the formats share.

:mod:`empathy_score.reading` picks the reader by the file's extension; every reader takes the
file and one :class:`~empathy_score.readers.files.ReadOptions` (aliases, anonymous agent,
limits) and builds :class:`~empathy_score.transcript.Transcript` objects.

- :mod:`~empathy_score.readers.text` – ``.txt``: one ``Label: text`` turn per line;
- :mod:`~empathy_score.readers.json_calls` – ``.json`` / ``.jsonl``: the project's own JSON;
- :mod:`~empathy_score.readers.tabular` – ``.csv`` / ``.tsv``: one row per turn, many calls;
- :mod:`~empathy_score.readers.subtitles` – ``.vtt`` / ``.srt`` speech-to-text output;
- :mod:`~empathy_score.readers.diarized` – diarised speech-to-text JSON segments;
- :mod:`~empathy_score.readers.json_values` – checks shared by the JSON readers;
- :mod:`~empathy_score.readers.segments` – speaker-labelled pieces to turns (shared);
- :mod:`~empathy_score.readers.roles` – which anonymous speaker is the agent;
- :mod:`~empathy_score.readers.files` – finding files, decoding bytes, the size limits.

The subtitle and table readers are imported when a file needs them, so that reading ``.txt``
and ``.json`` calls does not import the subtitle parsers.
"""
