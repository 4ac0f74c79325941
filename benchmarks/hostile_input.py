"""Hostile stack files and plans: wall time and peak memory until each is refused (or accepted).

    python benchmarks/hostile_input.py

What a pull request can hand the offline `plan`/`validate`/`plan-diff`: an alias bomb, nesting
10,000 deep, a 50 MB file, the largest file under the size limit, a plan nested 100,000 deep.
Each runs in-process through the same entry points as the CLI (load_stack_file, plan-diff's reader).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.cli import main as cli  # noqa: E402
from components import input_files  # noqa: E402
from components.settings import SettingsError, load_stack_file  # noqa: E402

HEAD = "config:\n  aws:region: us-west-2\n  private-eks:cluster:\n    metadata: {name: hostile}\n"
BOMB = "config:\n  aws:region: us-west-2\n" + "".join(
    f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n" for i in range(9)
) + "  private-eks:cluster:\n    metadata: {name: bomb, tags: *a8}\n"


def measure(label: str, run) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    outcome = run()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:>38}: {elapsed * 1000:8.1f} ms, peak {peak / 1024 / 1024:6.1f} MiB  ({outcome})")


def stack(path: Path):
    def run() -> str:
        try:
            load_stack_file(path)
        except SettingsError as e:
            return "refused: " + e.problems[0].message.splitlines()[0][:60]
        return "accepted"
    return run


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "bomb.yaml").write_text(BOMB)
        (d / "deep.yaml").write_text(HEAD + "    vpc: " + "[" * 10_000 + "]" * 10_000 + "\n")
        with (d / "big.yaml").open("wb") as f:
            f.write(HEAD.encode())
            f.truncate(50 * 1024 * 1024)
        filler = "".join(f"        k{i}: v{i}\n" for i in range(40_000))
        limit = HEAD.replace("{name: hostile}", "\n      name: hostile\n      tags:\n") + filler
        (d / "limit.yaml").write_text(limit[: input_files.MAX_BYTES - 200].rsplit("\n", 1)[0] + "\n")
        (d / "deep.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
        measure("alias bomb (9^9 values)", stack(d / "bomb.yaml"))
        measure("nested 10,000 deep", stack(d / "deep.yaml"))
        measure("50 MB stack file", stack(d / "big.yaml"))
        measure(f"{(d / 'limit.yaml').stat().st_size:,} bytes (just under the limit)", stack(d / "limit.yaml"))
        measure("/dev/zero", stack(Path("/dev/zero")))
        measure("plan-diff: plan nested 100,000 deep",
                lambda: f"exit {cli(['plan-diff', str(d / 'deep.json'), str(d / 'deep.json')])}")
        print(json.dumps({"MAX_BYTES": input_files.MAX_BYTES, "MAX_DEPTH": input_files.MAX_DEPTH,
                          "MAX_NODES": input_files.MAX_NODES}))


if __name__ == "__main__":
    main()
