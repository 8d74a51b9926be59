"""The README cannot drift: its examples run and print what it shows, and its first lines are
the two commands."""

import doctest
import os
import re
import shlex

import pytest


def python_blocks(readme: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)


@pytest.fixture(scope="module")
def readme(repo_root) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_the_install_and_test_commands(readme):
    first_block = re.search(r"```bash\n(.*?)```", readme, flags=re.DOTALL).group(1)
    lines = first_block.strip().splitlines()
    assert lines[0] == "# install and score the bundled demo calls"
    assert "pip install ." in lines[1] and "empathy-score score corpora/demo/" in lines[1]
    assert lines[2] == "# install and run the tests"
    assert "pytest" in lines[3]


def test_every_python_example_in_the_readme_runs(readme, repo_root, capsys):
    blocks = python_blocks(readme)
    assert blocks, "the README has no Python examples"
    cwd = os.getcwd()
    os.chdir(repo_root)  # the examples use paths relative to the repository
    try:
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})
    finally:
        os.chdir(cwd)


def test_every_interactive_example_prints_what_the_readme_shows(readme, repo_root):
    blocks = re.findall(r"```pycon\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks, "the README has no interactive examples"
    cwd = os.getcwd()
    os.chdir(repo_root)
    try:
        for number, block in enumerate(blocks):
            test = doctest.DocTestParser().get_doctest(block, {}, f"README pycon {number}", None, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, out=lambda text: pytest.fail(text, pytrace=False))
            assert runner.summarize(verbose=False).attempted > 0
    finally:
        os.chdir(cwd)


def test_every_shown_command_output_is_the_real_output(readme, repo_root, capsys):
    """A block after ``<!-- output of: CMD -->`` is what CMD prints; a last line of "…" stands
    for the rest."""
    from empathy_score.cli import main

    shown = re.findall(r"<!-- output of: (.*?) -->\n```text\n(.*?)```", readme, flags=re.DOTALL)
    assert shown, "the README shows no command output"
    cwd = os.getcwd()
    os.chdir(repo_root)
    try:
        for command, block in shown:
            argv = shlex.split(command)
            assert argv[0] == "empathy-score"
            main(argv[1:])
            printed = capsys.readouterr().out.splitlines()
            lines = block.rstrip("\n").splitlines()
            if lines[-1].strip() == "…":
                lines = lines[:-1]
                printed = printed[: len(lines)]
            assert printed == lines, command
    finally:
        os.chdir(cwd)


def test_the_documented_report_json_is_the_report_json(readme, rules_scorer):
    """Every key of the report's JSON is in the README's table, and every documented key is
    in the JSON."""
    import json

    import empathy_score as es

    section = readme[readme.index("#### The report's JSON") :]
    section = section[: section.index("\n\n", section.index("| object |"))]
    documented: dict[str, set[str]] = {}
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # past the head
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        documented.setdefault(cells[0], set()).update(re.findall(r"`(\w+)`", cells[1]))

    calls = [
        es.Transcript(
            id=f"c{n}",
            turns=es.parse_text(
                "Klant: Mijn hond is aangereden.\nAgent: Wat is uw polisnummer?"
            ).turns,
            meta={"agent": f"AG-{n % 2}"},
        )
        for n in range(4)
    ]
    report = json.loads(es.summarize(rules_scorer.score_many(calls), by="agent").to_json())
    group = report["groups"][0]
    worst = report["worst_calls"][0]
    actual = {
        "report": set(report),
        "group": set(group),
        "rate": set(group["missing_rate"]),
        "worst call": set(worst),
        "snippet": set(worst["opening"][0]),
    }
    assert set(report["overall"]) == actual["group"] - {"group"}
    assert documented == actual
