"""Agent scripts on disk: one script per file, and a folder of them as pytest parameters.

A script is a call the way a contact centre writes it for its agents or chatbot, read into a
:class:`~empathy_score.Transcript`. Besides the transcript formats (``.txt``, ``.json``), a
script may be written in YAML (``.yaml``/``.yml``, read with PyYAML: ``pip install
'empathy_score[yaml]'``)::

    id: hond-aangereden            # optional; default: the file name without extension
    meta: {team: schade}           # optional
    expect:                        # optional; default: {straight_to_data: false}
      empathy_before_data: true
      markers: [acknowledge_feelings, wish_well]
      data_requests: [policy_number]
    turns:                         # either a list of turns…
      - {speaker: Klant, text: "Mijn hond is aangereden."}
      - {speaker: Agent, text: "Wat schrikken! Mag ik uw polisnummer?"}
    script: |                      # …or one block in the .txt format
      Klant: Mijn hond is aangereden.
      Agent: Wat schrikken! Mag ik uw polisnummer?

A ``.json`` script may have the same top-level ``"expect"``. The expectations are kept in
``transcript.meta["expect"]`` and checked by :func:`~empathy_score.testing.assert_script`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ..errors import TranscriptError
from ..readers.json_calls import transcript_from_json
from ..reading import load_transcript, parse_text
from ..rules import LABELS
from ..transcript import Transcript, merge_aliases
from . import session

__all__ = ["EXPECT_KEYS", "SCRIPT_SUFFIXES", "check_expect", "empathy_scripts", "load_script"]

SCRIPT_SUFFIXES: tuple[str, ...] = (".txt", ".json", ".yaml", ".yml")
"""The files :func:`empathy_scripts` collects from a folder."""

EXPECT_KEYS: Mapping[str, str] = {
    "empathy_before_data": "true or false",
    "straight_to_data": "true or false",
    "markers": "a marker category or a list of them",
    "no_markers": "true",
    "data_requests": "a data field or a list of them",
}
"""The keys of an ``expect`` block and the values each takes."""

_YAML_KEYS = ("id", "meta", "expect", "turns", "script")


# --------------------------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------------------------


def _names(value: Any, known: frozenset[str], key: str, error) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise error(f'"expect.{key}" must be {EXPECT_KEYS[key]}, got {value!r}')
    for item in items:
        if item not in known:
            names = ", ".join(sorted(known))
            raise error(f'"expect.{key}": unknown name {item!r} (known: {names})')
    return list(dict.fromkeys(items))


def check_expect(
    value: Any, *, path: str | Path | None = None, line: int | None = None
) -> dict[str, Any]:
    """Validate an ``expect`` block and return it normalised (names as lists).

    Raises
    ------
    TranscriptError
        On an unknown key or a value of the wrong kind, naming the file and, where known, line.
    """

    def error(message: str) -> TranscriptError:
        return TranscriptError(message, path=path, line=line)

    if not isinstance(value, Mapping):
        raise error(f'"expect" must be a mapping of {", ".join(EXPECT_KEYS)}, got {value!r}')
    unknown = [key for key in value if key not in EXPECT_KEYS]
    if unknown:
        raise error(f'unknown key {unknown[0]!r} in "expect" (known: {", ".join(EXPECT_KEYS)})')
    checked: dict[str, Any] = {}
    for key, item in value.items():
        if key == "markers":
            checked[key] = _names(item, LABELS["empathy"], key, error)
        elif key == "data_requests":
            checked[key] = _names(item, LABELS["data_request"], key, error)
        elif not isinstance(item, bool) or (key == "no_markers" and item is not True):
            raise error(f'"expect.{key}" must be {EXPECT_KEYS[key]}, got {item!r}')
        else:
            checked[key] = item
    return checked


def _with_expect(
    transcript: Transcript, expect: Any, *, path: Path, line: int | None = None
) -> Transcript:
    """Check the expectations (top-level or already in meta) and keep them in meta."""
    meta = dict(transcript.meta)
    if expect is not None and "expect" in meta:
        raise TranscriptError('"expect" is given twice (top level and in "meta")', path=path)
    if expect is None:
        expect = meta.get("expect")
        if expect is None:
            return transcript
    meta["expect"] = check_expect(expect, path=path, line=line)
    return replace(transcript, meta=meta)


# --------------------------------------------------------------------------------------------
# One script
# --------------------------------------------------------------------------------------------


def load_script(
    path: str | os.PathLike[str], *, aliases: Mapping[str, str] | None = None
) -> Transcript:
    """Read one script: ``.txt``, ``.json``, ``.yaml``/``.yml`` (or a one-call ``.jsonl``).

    Parameters
    ----------
    path
        The file.
    aliases
        Extra speaker labels (label -> ``"agent"`` or ``"customer"``); default: those of the
        current test run (``--empathy-alias``).

    Returns
    -------
    Transcript
        With the script's ``expect`` block, if any, in ``meta["expect"]``.

    Raises
    ------
    TranscriptError
        If the file cannot be read, is malformed, or (YAML) PyYAML is not installed; the
        message names the file and, where known, the line.
    """
    path = Path(path)
    if aliases is None:
        aliases = session.settings().aliases or None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _load_yaml(path, aliases)
    transcript = load_transcript(path, aliases=aliases)
    if path.suffix.lower() == ".json":
        raw = json.loads(path.read_bytes().decode("utf-8-sig", errors="replace"))
        return _with_expect(transcript, raw.get("expect"), path=path)
    return _with_expect(transcript, None, path=path)


def _import_yaml(path: Path):
    try:
        import yaml
    except ImportError:
        raise TranscriptError(
            "reading .yaml scripts needs PyYAML: pip install 'empathy_score[yaml]'", path=path
        ) from None
    return yaml


#: An agent script is a page or two; more is not a script (and would cost a test run dearly).
MAX_SCRIPT_CHARS = 200_000


def _no_aliases_loader(yaml):
    """PyYAML's SafeLoader that refuses anchors' aliases (``*name``).

    A script needs none, and a few nested aliases expand to billions of nodes: a
    "billion laughs" file of a few hundred bytes would take a test run minutes and
    gigabytes of memory to load.
    """

    class NoAliasesLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"aliases (*{event.anchor}) are not allowed in a script",
                    event.start_mark,
                )
            return super().compose_node(parent, index)

    return NoAliasesLoader


def _load_yaml(path: Path, aliases: Mapping[str, str] | None) -> Transcript:
    yaml = _import_yaml(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise TranscriptError(f"cannot read: {error.strerror or error}", path=path) from None
    except UnicodeDecodeError:
        raise TranscriptError("not valid UTF-8; save the file as UTF-8", path=path) from None
    if len(text) > MAX_SCRIPT_CHARS:
        raise TranscriptError(
            f"{len(text)} characters; a script may have at most {MAX_SCRIPT_CHARS}", path=path
        )
    loader = _no_aliases_loader(yaml)
    try:
        root = yaml.compose(text, Loader=loader)
        value = yaml.load(text, Loader=loader)  # a SafeLoader that refuses aliases
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        raise TranscriptError(f"invalid YAML: {problem}", path=path, line=line) from None
    if value is None:
        raise TranscriptError("empty file", path=path)
    if not isinstance(value, dict):
        raise TranscriptError(
            'expected a mapping with "turns" or "script" (and optional "id", "meta", "expect")',
            path=path,
            line=1,
        )
    nodes = {key.value: (key, node) for key, node in root.value}

    def line_of(key: str) -> int:
        return nodes[key][0].start_mark.line + 1

    unknown = [key for key in value if key not in _YAML_KEYS]
    if unknown:
        raise TranscriptError(
            f"unknown key {unknown[0]!r} (known: {', '.join(_YAML_KEYS)})",
            path=path,
            line=line_of(unknown[0]) if unknown[0] in nodes else None,
        )
    if ("turns" in value) == ("script" in value):
        raise TranscriptError(
            'give either "turns" (a list of {speaker, text}) or "script" (a block of '
            "'Label: text' lines), not both or neither",
            path=path,
        )
    call = {key: value[key] for key in ("id", "meta") if key in value}
    if "turns" in value:
        call["turns"] = value["turns"]
        transcript = transcript_from_json(
            call, default_id=path.stem, source=str(path), line=None, roles=merge_aliases(aliases)
        )
        items = nodes["turns"][1].value
        turns = tuple(
            replace(turn, line=item.start_mark.line + 1)
            for turn, item in zip(transcript.turns, items, strict=True)
        )
        transcript = replace(transcript, turns=turns)
    else:
        transcript = _script_block(path, value["script"], nodes["script"][1], call, aliases)
    line = line_of("expect") if "expect" in value else None
    return _with_expect(transcript, value.get("expect"), path=path, line=line)


def _script_block(
    path: Path, block: Any, node, call: dict[str, Any], aliases: Mapping[str, str] | None
) -> Transcript:
    """Parse a ``script:`` block, with line numbers counted in the YAML file."""
    if not isinstance(block, str):
        raise TranscriptError(
            '"script" must be text: write "script: |" and the lines below it',
            path=path,
            line=node.start_mark.line + 1,
        )
    # a block scalar ("|") starts on the line after its indicator
    offset = node.start_mark.line + (1 if node.style in ("|", ">") else 0)
    # id and meta are checked the way a JSON call's are; the turns come from the block
    shape = transcript_from_json(
        {**call, "turns": [{"speaker": "agent", "text": ""}]},
        default_id=path.stem,
        source=str(path),
        line=None,
        roles=merge_aliases(None),
    )
    try:
        transcript = parse_text(block, id=shape.id, source=str(path), aliases=aliases)
    except TranscriptError as error:
        line = error.line + offset if error.line is not None else None
        raise TranscriptError(error.reason, path=path, line=line) from None
    turns = tuple(
        replace(turn, line=turn.line + offset if turn.line is not None else None)
        for turn in transcript.turns
    )
    return replace(transcript, turns=turns, meta=shape.meta)


# --------------------------------------------------------------------------------------------
# A folder of scripts
# --------------------------------------------------------------------------------------------


def empathy_scripts(
    folder: str | os.PathLike[str], *, aliases: Mapping[str, str] | None = None
) -> list[Any]:
    """Every script in ``folder`` (and its sub-folders) as a ``pytest.param``, one per file.

    Use it to make a whole script library one test per script::

        @pytest.mark.parametrize("script", empathy_scripts(Path(__file__).parent / "scripts"))
        def test_script(script):
            assert_script(script)

    Files with a :data:`SCRIPT_SUFFIXES` extension are read in sorted order; hidden files and
    folders (``.name``) are skipped. Each parameter is a :class:`~empathy_score.Transcript` and
    its id is the file's path relative to ``folder`` (``"schade/hond.yaml"``).

    Raises
    ------
    TranscriptError
        At collection time, if the folder is missing or holds no scripts, or listing every
        script that cannot be read (file and line), so that a broken script is never skipped.
    """
    root = Path(folder)
    if not root.is_dir():
        reason = "not a folder" if root.exists() else "no such folder"
        raise TranscriptError(f"{reason} (empathy_scripts needs a folder of scripts)", path=root)
    files = sorted(
        (
            path
            for path in root.rglob("*")
            if path.suffix.lower() in SCRIPT_SUFFIXES
            and not any(part.startswith(".") for part in path.relative_to(root).parts)
            and path.is_file()
        ),
        key=lambda path: path.relative_to(root).as_posix(),
    )
    if not files:
        raise TranscriptError(
            f"no scripts in this folder (looked for {', '.join(SCRIPT_SUFFIXES)})", path=root
        )
    params = []
    errors = []
    for path in files:
        try:
            script = load_script(path, aliases=aliases)
        except TranscriptError as error:
            errors.append(str(error))
            continue
        params.append(pytest.param(script, id=path.relative_to(root).as_posix()))
    if errors:
        raise TranscriptError(
            f"{len(errors)} of {len(files)} scripts cannot be read:\n  " + "\n  ".join(errors),
            path=root,
        )
    return params
