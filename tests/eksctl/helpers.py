"""Shared by the eksctl import tests: the example configs and the CLI in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def data(name: str) -> Path:
    return DATA / name


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The real console entry point, `python -m automation`, in a child process."""
    return subprocess.run([sys.executable, "-m", "automation", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)
