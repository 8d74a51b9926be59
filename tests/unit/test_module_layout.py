"""The package's modules form layers: no import cycle, no private name used from another module.

The readers once imported private helpers of ``transcript.py`` while it imported them back;
a change to one side then broke the other in ways no signature showed. These tests read the
package's source (every import statement, also those inside functions, which run in the end)
and keep it layered.
"""

import ast
import subprocess
import sys
from pathlib import Path

import empathy_score
import empathy_score.readers.files
import empathy_score.readers.text
import empathy_score.reading
import empathy_score.transcript

PACKAGE = Path(empathy_score.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["empathy_score", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(module: str, path: Path) -> list[tuple[str, str, int]]:
    """(imported module, name or "", line) for every import the module runs (not those under
    ``if TYPE_CHECKING:``, which never run), with relative imports resolved."""
    is_package = path.name == "__init__.py"
    found = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, "", child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".")
                    if not is_package:
                        anchor = anchor[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    found.append((base, alias.name, child.lineno))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_no_module_imports_a_private_name_from_another_module():
    offences = []
    for module, path in MODULES.items():
        for imported, name, line in _imports(module, path):
            target = f"{imported}.{name}" if f"{imported}.{name}" in MODULES else imported
            private = name.startswith("_") and not name.startswith("__")
            if target in MODULES and target != module and private:
                offences.append(f"{path.relative_to(PACKAGE)}:{line} imports {imported}.{name}")
    assert offences == []


def test_the_package_modules_import_each_other_without_a_cycle():
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module, path in MODULES.items():
        for imported, name, _line in _imports(module, path):
            target = f"{imported}.{name}" if f"{imported}.{name}" in MODULES else imported
            if target in MODULES and target != module:
                graph[module].add(target)

    done: set[str] = set()
    stack: list[str] = []

    def cycle_from(module: str) -> list[str] | None:
        if module in stack:
            return [*stack[stack.index(module) :], module]
        if module in done:
            return None
        stack.append(module)
        for target in sorted(graph[module]):
            found = cycle_from(target)
            if found:
                return found
        stack.pop()
        done.add(module)
        return None

    cycles = [found for module in sorted(graph) if (found := cycle_from(module))]
    assert cycles == []


def test_importing_the_data_model_imports_no_reader_numpy_or_spacy():
    code = "import sys, empathy_score.transcript; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "empathy_score.transcript" in loaded
    assert not {"numpy", "spacy", "empathy_score.reading", "empathy_score.readers.files"} & loaded


def test_the_readers_names_still_resolve_from_the_transcript_module():
    """``from empathy_score.transcript import load_transcript`` worked before the readers moved
    out, and must keep working: it gives the reader itself, not a copy."""
    from empathy_score.transcript import (
        DEFAULT_MAX_BYTES,
        SUPPORTED_SUFFIXES,
        flag_duplicate_ids,
        iter_transcripts,
        load_transcript,
        parse_text,
    )

    assert load_transcript is empathy_score.reading.load_transcript
    assert iter_transcripts is empathy_score.reading.iter_transcripts
    assert flag_duplicate_ids is empathy_score.reading.flag_duplicate_ids
    assert parse_text is empathy_score.readers.text.parse_text
    assert DEFAULT_MAX_BYTES == empathy_score.readers.files.DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    assert ".txt" in SUPPORTED_SUFFIXES
    call = parse_text("Klant: Mijn auto is gestolen.\nAgent: Wat vervelend voor u.")
    assert [turn.speaker for turn in call.turns] == ["customer", "agent"]
    assert "load_transcript" in dir(empathy_score.transcript)


#: One module per idea: past this, a module holds more than one (docs/architecture.md).
MAX_MODULE_LINES = 600


def test_no_module_is_longer_than_one_idea_needs():
    long = {
        module: n
        for module, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
