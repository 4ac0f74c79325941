"""Run a workflow's shell step as GitHub Actions runs it, without GitHub.

A step's script is its ``run:`` text, unchanged. Its environment is the job's and the step's
``env:``, with each ``${{ expression }}`` taken from a context the test gives (an expression the
test did not give is an error, not an empty string), plus ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files. The shell is the runner's default for ``run:`` on Linux,
``bash -e {0}``, in the folder the test names (a checkout)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    if True in doc:  # YAML 1.1 reads the key `on` as true
        doc["on"] = doc.pop(True)
    return doc


def step(workflow: dict[str, Any], job: str, key: str) -> dict[str, Any]:
    """The step of ``job`` whose id is ``key``, else whose name starts with ``key``."""
    steps = workflow["jobs"][job]["steps"]
    found = [s for s in steps if s.get("id") == key] or [s for s in steps if str(s.get("name", "")).startswith(key)]
    if len(found) != 1:
        raise LookupError(f"{job}: {len(found)} steps match {key!r}")
    return found[0]


def resolve(value: Any, context: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1) not in context:
            raise KeyError(f"the test gives no value for ${{{{ {m.group(1)} }}}}")
        return context[m.group(1)]

    return EXPRESSION.sub(one, str(value))


@dataclass
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_step(workflow: dict[str, Any], job: str, key: str, *, cwd: Path, context: Mapping[str, str],
             env: Mapping[str, str] | None = None, timeout: float = 300) -> StepRun:
    s = step(workflow, job, key)
    script = s["run"]
    variables = {**(workflow.get("env") or {}), **(workflow["jobs"][job].get("env") or {}), **(s.get("env") or {})}
    files = cwd.parent / f".gh-{job}-{s.get('id') or 'step'}"
    files.mkdir(exist_ok=True)
    output, summary = files / "output", files / "summary"
    output.write_text("")
    summary.write_text("")
    full_env = {**os.environ, **(env or {}), **{k: resolve(v, context) for k, v in variables.items()},
                "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    script_file = files / "script.sh"
    script_file.write_text(script)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-e", str(script_file)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return StepRun(done.returncode, done.stdout, done.stderr, outputs, summary.read_text())
