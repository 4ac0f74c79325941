"""Rehearse every example stack (stacks/*.yaml) under --bootstrap auto and never: simulated AWS
minutes of the whole up against its critical path, and the window's minutes; wall time too.

    PRIVATE_EKS_CACHE_DIR=... .venv/bin/python benchmarks/rehearse.py [--markdown]

Needs the Pulumi CLI (scripts/install-pulumi-cli) and moto (a development dependency)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.project import Project  # noqa: E402
from automation.rehearse.command import rehearse  # noqa: E402
from automation.rehearse.session import runner_ip_for  # noqa: E402


def measure(project: Project, stack: str, mode: str) -> dict:
    report = rehearse(project, stack, bootstrap=mode, runner_ip=runner_ip_for(project.settings(stack)))
    t = report["timeline"]
    failure = (report["failures"] or [o.get("error", "") for o in report["operations"] if o.get("error")] or [""])[0]
    return {"stack": stack, "bootstrap": mode, "exit": report["exitCode"], "total": t["totalMinutes"],
            "serial": t["serialMinutes"],
            "critical": t["criticalPathMinutes"], "window": t["window"]["minutes"], "wall": report["wallSeconds"],
            "failure": failure.splitlines()[0][:160] if failure else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    project = Project.load(ROOT)
    rows = [measure(project, stack, mode) for stack in project.stacks() for mode in ("auto", "never")]
    # dev in Auto Mode: pulumi-eks then makes no coredns of its own, so the up can finish on this
    # branch (a copy of the project; stacks/ is not touched).
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy2(ROOT / "Pulumi.yaml", Path(tmp) / "Pulumi.yaml")
        shutil.copytree(ROOT / "stacks", Path(tmp) / "stacks")
        doc = yaml.safe_load((Path(tmp) / "stacks" / "Pulumi.dev.yaml").read_text())
        doc["config"]["private-eks:cluster"]["autoModeConfig"] = {"enabled": True}
        (Path(tmp) / "stacks" / "Pulumi.dev-auto-mode.yaml").write_text(yaml.safe_dump(doc))
        derived = Project.load(Path(tmp))
        rows += [measure(derived, "dev-auto-mode", mode) for mode in ("auto", "never")]
    if not args.markdown:
        print(json.dumps(rows, indent=2))
        return
    print("| stack | bootstrap | exit | every wait in a row (AWS min) | whole up = critical path (AWS min) "
          "| window (AWS min) | wall (s) | first failure |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['stack']} | {r['bootstrap']} | {r['exit']} | {r['serial']:.1f} | {r['total']:.1f} | "
              f"{r['window']:.1f} | {r['wall']:.0f} | {r['failure'].replace('|', '/')} |")



if __name__ == "__main__":
    main()
