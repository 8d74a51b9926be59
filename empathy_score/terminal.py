"""Text from transcripts, bound for a terminal: control characters shown, never obeyed.

A transcript may hold escape sequences (by accident from a speech-to-text export, or on
purpose): written raw, they move the cursor, recolour or clear the screen, or retitle the
window of whoever reads ``explain`` or the text report. They are shown as ``\\x1b``-style
escapes instead; line breaks and tabs stay.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_CONTROL = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]")


def printable(text: str) -> str:
    """The text with every control character but newline and tab written as an escape."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
