"""The empathy report: rates against the Dutch baseline, overall and per agent, team or channel.

A QA lead does not read 4,000 verdicts; she wants to know whether her teams do better than the
Dutch baseline (empathy missing in 51% of calls), which do worse, and which calls to listen to.
:func:`summarize` turns verdicts into an :class:`EmpathyReport`; the report renders itself as a
terminal table, JSON, CSV or one self-contained HTML page.

The rates follow the annotation guide (``corpora/README.md``, "The baseline"). Among the
scored calls with an ``opportunity``:

- ``empathy_rate`` – share with ``empathy_shown``; ``missing_rate`` = 1 − ``empathy_rate``,
  the rate set against the baseline;
- ``empathy_first_rate`` – share with ``empathy_before_data``;
- ``straight_to_data_rate`` – share flagged ``straight_to_data``.

Each :class:`Rate` carries its count, denominator and a Wilson 95% interval (which, unlike the
normal approximation, stays inside [0, 1] and behaves for small groups and rates near 0 or 1).
The missing count of every group is tested against the baseline with an exact two-sided binomial
test (:func:`scipy.stats.binomtest`: exact for any group size, no normal approximation).
Groups with fewer than 30 calls with an opportunity are marked too small to judge.

Evidence texts in a report are masked with :func:`empathy_score.redact.redact` unless the
caller asks for personal data with ``show_pii=True``.

The package, one module per idea: :mod:`.statistics` (Wilson interval, binomial test),
:mod:`.contents` (what a report holds), :mod:`.records` (reading verdict records and side
files), :mod:`.summary` (:func:`summarize`), and one renderer each in :mod:`.text`,
:mod:`.json_report`, :mod:`.csv_report` and :mod:`.html` (with ``report.css``).
"""

# The names after "as" stay importable from here as before, though not in __all__: the
# judgements, the test's level, the rate names and the threshold for the calls to hear.
from ..errors import ReportError
from .contents import BASELINE, MIN_GROUP_SIZE, UNKNOWN, GroupSummary, Snippet, WorstCall
from .contents import RATE_NAMES as RATE_NAMES
from .records import is_verdict_file, read_meta, read_verdicts
from .statistics import ALPHA as ALPHA
from .statistics import BETTER as BETTER
from .statistics import NO_DIFFERENCE as NO_DIFFERENCE
from .statistics import TOO_SMALL as TOO_SMALL
from .statistics import WORSE as WORSE
from .statistics import Rate, binomial_p_value, wilson_interval
from .summary import FORMATS, EmpathyReport, render, summarize
from .summary import WORST_THRESHOLD as WORST_THRESHOLD

__all__ = [
    "BASELINE",
    "FORMATS",
    "MIN_GROUP_SIZE",
    "UNKNOWN",
    "EmpathyReport",
    "GroupSummary",
    "Rate",
    "ReportError",
    "Snippet",
    "WorstCall",
    "binomial_p_value",
    "is_verdict_file",
    "read_meta",
    "read_verdicts",
    "render",
    "summarize",
    "wilson_interval",
]
