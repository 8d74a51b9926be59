"""Speed of :func:`empathy_score.redact.redact` on one megabyte of text — run by hand, not by CI.

    python benchmarks/redact.py

Masking runs on every evidence text of a report and every error record of ``score --redact``;
a transcript that was never split into turns can put a megabyte into one text. Each input is a
megabyte of one shape: everyday caller speech with spoken numbers, e-mail and plates, and
shapes that make regular expressions backtrack (one long word, a run of single letters, of
digits, of number words, of "punt"). Every figure should stay in seconds, not minutes: the
time per megabyte grows with the text, never with its square. Nothing here prints input text.
"""

from __future__ import annotations

import time

from empathy_score.redact import redact

MEGABYTE = 1_000_000

SPEECH = (
    "Goedemiddag, mijn auto is gestolen, om drie uur, twee dagen geleden. Het kenteken is golf "
    "hotel vier een twee kilo en mijn nummer is nul zes twaalf drie vier. Mail maar naar jan punt "
    "de vries apenstaartje gmail punt com; ik ben geboren op twaalf maart negentienachtenzeventig. "
)
SHAPES = {
    "caller speech": SPEECH,
    "one long word": "eenentwintig",
    "single letters": "a b c d e f g h ",
    "digits": "1 2 3 4 5 6 ",
    "number words": "twee honderd twee honderd drie ",
    "spoken dots": "a punt b punt c ",
    "alphabet words": "golf hotel papa-",
}


def main() -> None:
    for name, piece in SHAPES.items():
        text = piece * (MEGABYTE // len(piece))
        start = time.perf_counter()
        redact(text)
        print(f"{name:15} {len(text) / MEGABYTE:.2f} MB  {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
