"""The real engine's cost per runner operation, on the engine test project (stand-ins in moto):

    python benchmarks/engine_timing.py [--no-aws]

Prints wall seconds for: the CLI lookup/build (scripts/install-pulumi-cli, cached), a new stack's
``up`` (two passes), an ``up`` with nothing to change (deciding preview + one private pass), a
``preview`` of a day-2 change, ``status`` and ``destroy``. ``--no-aws`` runs the stand-ins
without moto (state only), to separate the engine's cost from the emulated AWS calls.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engine.harness import INSTALL, UNSET, make_project, start_moto  # noqa: E402


def timed(label: str, fn) -> object:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - start:6.1f} s", flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-aws", action="store_true", help="stand-ins without moto (state only)")
    args = ap.parse_args()

    done = timed("install-pulumi-cli (cached or on PATH)",
                 lambda: subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, check=True))
    bin_dir = Path(done.stdout.strip().splitlines()[-1])
    moto = None if args.no_aws else start_moto()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp, "home")
        home.mkdir()
        project = make_project(Path(tmp), bin_dir, home, moto.url if moto else None)
        for key in UNSET:
            os.environ.pop(key, None)
        os.environ.update(project.env)
        timed("up, new stack (bootstrap + private)", lambda: project.runner().up())
        timed("up, nothing to change (preview + private)", lambda: project.runner().up())
        project.edit_stack(desiredCapacity=3)
        timed("preview, day-2 change", lambda: project.runner().preview())
        timed("up, day-2 change (preview + private)", lambda: project.runner().up())
        timed("up --bootstrap always (two passes)", lambda: project.runner().up(bootstrap="always"))
        timed("status", lambda: project.runner().status())
        timed("destroy", lambda: project.runner().destroy())
    if moto:
        moto.stop()


if __name__ == "__main__":
    main()
