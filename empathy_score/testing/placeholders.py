"""Template placeholders in agent scripts, made neutral before scoring.

Scripts and chatbot reply templates hold slots for what is filled in at run time:
``{naam}``, ``${naam}``, ``{{polisnummer}}``, ``{{ klant.naam }}``, ``<kenteken>``, ``[naam]``.
Their *names* are not what the agent says: ``"Mag ik uw {{polisnummer}}?"`` fills in the number
the customer already gave, and ``"Hoe gaat het met {product}?"`` is not a question about a
person. So a placeholder must never produce a marker or a data request, nor hide one.

:func:`mask_placeholders` replaces each placeholder with a neutral token: lowercase ``x``
characters, which no pattern matches and which are not title case (the rules read a title-case
word as a person's name). The replacement has exactly the length of the placeholder, so that
character offsets found on the masked text point at the same place in the original, and failure
messages can quote what the script writer wrote. Where a placeholder touches a letter or digit
(``<b>Wat``), the replacement starts or ends with a space so that it stays a word of its own.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..transcript import Transcript

__all__ = ["PLACEHOLDER", "mask_placeholders", "mask_transcript"]

PLACEHOLDER = re.compile(
    r"""
      \$?\{\{[^{}\n]{1,80}?\}\}            # {{polisnummer}}, {{ klant.naam }}
    | \$?\{[^{}\s][^{}\n]{0,80}?\}         # {naam}, ${naam}
    | </?[^\W\d][\w.\- ]{0,80}?>           # <kenteken> (and <b>, </b> in HTML templates)
    | \[[^\W\d][\w.\- ]{0,80}?\]           # [naam]
    """,
    re.VERBOSE,
)
"""What counts as a placeholder: a name in ``{…}``, ``${…}``, ``{{…}}``, ``<…>`` or ``[…]``.

Angle and square brackets must hold a word (a letter first, then letters, digits, ``.``, ``-``,
``_`` or spaces), so that ``[1]`` or ``<3`` in running text are left alone; HTML tags in chatbot
templates (``<b>``, ``</b>``) are masked too, so that they cannot glue onto a word.
"""

_NEUTRAL = "x"


def _neutral(text: str, start: int, end: int) -> str:
    """A run of ``x`` as long as ``text[start:end]``, spaced off from touching word characters."""
    length = end - start
    lead = start > 0 and text[start - 1].isalnum()
    trail = end < len(text) and text[end].isalnum()
    core = length - lead - trail
    if core < 1:  # cannot happen for the shapes above (at least 3 characters), but stay safe
        return " " * length
    return " " * lead + _NEUTRAL * core + " " * trail


def mask_placeholders(text: str) -> str:
    """Replace every placeholder in ``text`` with a neutral word of the same length.

    Examples
    --------
    >>> mask_placeholders("Mag ik uw {{polisnummer}}, {naam}?")
    'Mag ik uw xxxxxxxxxxxxxxx, xxxxxx?'
    """
    if not any(char in text for char in "{<["):
        return text
    return PLACEHOLDER.sub(lambda m: _neutral(text, m.start(), m.end()), text)


def mask_transcript(transcript: Transcript) -> Transcript:
    """A copy of ``transcript`` with the placeholders in every turn masked (the input is kept)."""
    turns = tuple(replace(turn, text=mask_placeholders(turn.text)) for turn in transcript.turns)
    if all(new.text == old.text for new, old in zip(turns, transcript.turns, strict=True)):
        return transcript
    return replace(transcript, turns=turns)
