"""The report as JSON: :meth:`ReportContents.to_dict`, strict (no NaN), indented, UTF-8.

(Named so that it does not read as the standard library's ``json``.)
"""

from __future__ import annotations

import json

from ..table import strict_json
from .contents import ReportContents

__all__ = ["render_json"]


def render_json(report: ReportContents) -> str:
    """The whole report as one JSON document that any reader accepts."""
    return json.dumps(strict_json(report.to_dict()), ensure_ascii=False, indent=2) + "\n"
