"""The README stays true: its configuration reference matches the models, its examples run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from components.settings import field_paths
from tests.doc_blocks import run_block

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def reference_paths() -> list[str]:
    section = README.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.M)


def test_reference_names_no_field_the_models_lack():
    assert sorted(set(reference_paths()) - set(field_paths())) == []


def test_reference_misses_no_field_of_the_models():
    assert sorted(set(field_paths()) - set(reference_paths())) == []


def test_reference_lists_each_field_once():
    paths = reference_paths()
    assert len(paths) == len(set(paths))


def test_validation_example_prints_what_the_readme_shows(tmp_path):
    yaml_text = next(b for b in blocks("yaml") if "name: broken" in b)
    shown = next(b for b in blocks("text") if "Pulumi.broken.yaml" in b).strip().splitlines()
    command, expected = shown[0].removeprefix("$ "), shown[1:]
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml_text)
    args = shlex.split(command)
    assert args[0] == "private-eks"
    run = subprocess.run([sys.executable, "-m", "automation", *args[1:]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert sorted(run.stderr.strip().splitlines()[1:]) == sorted(expected[1:])
    assert run.stderr.splitlines()[0] == expected[0]


def offline_examples() -> list[str]:
    """The README's pasteable offline blocks: every line a private-eks or git command."""
    out = []
    for block in blocks("sh"):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith((".venv/bin/private-eks ", "git show ")) for line in lines):
            out.append(block)
    return out


def test_readme_has_offline_examples():
    assert len(offline_examples()) >= 2
    assert any(" plan-diff " in b for b in offline_examples())


@pytest.mark.parametrize("block", offline_examples(), ids=lambda b: b.splitlines()[0][:60])
def test_offline_example_block_runs(block, tmp_path):
    run = run_block(block, tmp_path)
    assert run.returncode == 0, run.stderr
