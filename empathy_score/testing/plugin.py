"""The pytest plugin of empathy_score, registered through the ``pytest11`` entry point.

It adds

- options in one ``empathy`` group: ``--empathy-patterns DIR`` (your own pattern files, added
  to the packaged rules) and ``--empathy-alias LABEL=ROLE`` (extra speaker labels for ``.txt``
  scripts), each also settable in the ini file (``empathy_patterns``, ``empathy_aliases``);
- the session-scoped ``empathy_scorer`` fixture: the scorer every assertion helper uses too,
  so that the pipeline loads once per test run.

Nothing is loaded when pytest starts; the pipeline is built the first time a test needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..errors import PatternError
from ..rules import FAMILIES, read_patterns
from ..transcript import AGENT, CUSTOMER
from . import session

if TYPE_CHECKING:  # spaCy loads with the first scorer, not when pytest starts
    from ..scorer import EmpathyScorer

__all__ = ["empathy_scorer"]

_PREVIOUS = pytest.StashKey[tuple]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("empathy", "empathy_score: testing agent scripts")
    group.addoption(
        "--empathy-patterns",
        action="append",
        default=[],
        metavar="PATH",
        dest="empathy_patterns",
        help="a folder of your own pattern files (empathy.jsonl, data_request.jsonl, "
        "opportunity.jsonl), or one such file, added to the packaged rules; repeatable.",
    )
    group.addoption(
        "--empathy-alias",
        action="append",
        default=[],
        metavar="LABEL=ROLE",
        dest="empathy_aliases",
        help="an extra speaker label for .txt scripts, e.g. Bot=agent; repeatable.",
    )
    parser.addini(
        "empathy_patterns",
        type="paths",
        default=[],
        help="folders or files of your own empathy_score patterns (as --empathy-patterns).",
    )
    parser.addini(
        "empathy_aliases",
        type="linelist",
        default=[],
        help="extra speaker labels for .txt scripts, LABEL=ROLE (as --empathy-alias).",
    )


def _pattern_files(paths: list[Path]) -> dict[str, tuple[Path, ...]]:
    """Pattern files per family, from folders (``<family>.jsonl`` inside) and files."""
    names = ", ".join(f"{family}.jsonl" for family in FAMILIES)
    found: dict[str, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(path.glob("*.jsonl"))
            if not files:
                raise pytest.UsageError(f"--empathy-patterns {path}: no pattern files ({names})")
        elif path.is_file():
            files = [path]
        else:
            raise pytest.UsageError(f"--empathy-patterns {path}: no such file or folder")
        for file in files:
            if file.stem not in FAMILIES:
                raise pytest.UsageError(
                    f"--empathy-patterns {file}: name pattern files after the rule family "
                    f"they extend: {names}"
                )
            try:  # once, here, rather than as an error in every test that scores a script
                read_patterns(file.stem, file)
            except PatternError as err:
                raise pytest.UsageError(f"--empathy-patterns {err}") from None
            found.setdefault(file.stem, []).append(file)
    return {family: tuple(files) for family, files in found.items()}


def _aliases(entries: list[str]) -> dict[str, str]:
    aliases = {}
    for entry in entries:
        label, sep, role = entry.partition("=")
        role = role.strip().lower()
        if not sep or not label.strip() or role not in (AGENT, CUSTOMER):
            raise pytest.UsageError(
                f"--empathy-alias {entry!r}: expected LABEL=agent or LABEL=customer, e.g. Bot=agent"
            )
        aliases[label.strip()] = role
    return aliases


def pytest_configure(config: pytest.Config) -> None:
    here = config.invocation_params.dir
    paths = [Path(p) for p in config.getini("empathy_patterns")]
    paths += [here / p for p in config.getoption("empathy_patterns") or ()]
    entries = list(config.getini("empathy_aliases")) + list(
        config.getoption("empathy_aliases") or ()
    )
    settings = session.Settings(extra_patterns=_pattern_files(paths), aliases=_aliases(entries))
    config.stash[_PREVIOUS] = session.install(settings)


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_PREVIOUS, None)
    if previous is not None:
        session.restore(previous)
        del config.stash[_PREVIOUS]


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = session.settings()
    lines = []
    for family, files in settings.extra_patterns.items():
        lines.append(f"empathy_score: extra {family} patterns: {', '.join(map(str, files))}")
    if settings.aliases:
        pairs = ", ".join(f"{label}={role}" for label, role in settings.aliases.items())
        lines.append(f"empathy_score: speaker aliases: {pairs}")
    return lines


@pytest.fixture(scope="session")
def empathy_scorer() -> EmpathyScorer:
    """The test run's :class:`~empathy_score.EmpathyScorer`, shared with the assertion helpers.

    Its pipeline is built here, once per run, so that the cost and any error in your own
    pattern files show up in this fixture rather than in the first test that scores a script.
    """
    scorer = session.shared_scorer()
    scorer.nlp  # noqa: B018  (build the pipeline now)
    return scorer
