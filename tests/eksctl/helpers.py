"""Shared by the eksctl import tests: the example configs and the CLI (in-process, or in a child
process where a test proves the real process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli import run_main, run_process

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def data(name: str) -> Path:
    return DATA / name


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``private-eks ARGS`` in-process, from the project root."""
    return run_main(args, cwd=ROOT, stdin=stdin)


def run_cli_process(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The real console entry point, `python -m automation`, in a child process."""
    return run_process(args, cwd=ROOT, stdin=stdin)
