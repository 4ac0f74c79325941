"""A documentation block as the test that runs it: the README's and docs/operations.md's shell
blocks, as pasted at the project root."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_block(block: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Runs ``block`` with bash (``set -euo pipefail``) at the project root. Its /tmp files go to
    ``tmp_path`` — both documents' blocks use the same names (/tmp/Pulumi.dev.yaml) and the suite
    runs on two workers — before the console script becomes this interpreter's module, whose own
    path may lie under /tmp (a fresh clone in a temporary folder); main becomes HEAD, which in
    any checkout holds at least what main does."""
    script = block.replace("/tmp/", shlex.quote(f"{tmp_path}/"))
    script = script.replace(".venv/bin/private-eks", f"{shlex.quote(sys.executable)} -m automation")
    script = script.replace("origin/main", "HEAD")
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
