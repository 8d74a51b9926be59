"""The README cannot drift: its Python examples run, and its first lines are the two commands."""

import os
import re

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
