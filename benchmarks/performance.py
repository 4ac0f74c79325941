"""The numbers of docs/performance.md, measured side by side in one run:

    python benchmarks/performance.py [--repeat N] [--aws] [--skip-engine]

1. the offline plan of stacks/Pulumi.dev.yaml (`private-eks plan --stack dev --json`, a fresh
   process) against its floor: a fresh process that only imports the resource classes the plan
   constructs (pulumi_aws ec2/iam/eks, pulumi_eks; the list is read from the plan itself);
2. `plan --all` over 1, 10 and 50 generated stacks, and `plan --file` of a stack with 1 and with
   50 managed node groups: how the cost grows;
3. the runner's overhead on the real engine (the engine test project's stand-in program, state
   only unless --aws runs the stand-ins against moto): `up` of a new stack (two passes) and
   `up --bootstrap never` (one pass) against one plain `pulumi up` of the same program, each on a
   fresh stack;
4. the bootstrap window's length in those runs (UpResult.window_seconds), auto and never.

Every time is given as wall seconds and as CPU seconds (user + system of the process and the
processes it waited for): on a shared or loaded machine the CPU time is the steadier of the two,
and the ratios are given for both. Targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLAN_TARGET = 1.3  # the offline plan: at most 1.3x the floor of importing what it constructs


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of one call."""
    w, c = time.perf_counter(), cpu()
    result = fn()
    return time.perf_counter() - w, cpu() - c, result


def run(args: list[str], cwd: Path = ROOT) -> None:
    subprocess.run([sys.executable, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def medians(samples: list[tuple[float, float, Any]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def row(label: str, wall: float, cpu_s: float, extra: str = "") -> None:
    print(f"  {label:<52} {wall:7.2f} s wall {cpu_s:7.2f} s CPU  {extra}", flush=True)


def machine() -> None:
    model = ""
    try:
        model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("model name")), "")
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    pulumi = subprocess.run(["pulumi", "version"], capture_output=True, text=True).stdout.strip() or "not on PATH"
    print(f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPU(s) {model}".rstrip())
    print(f"python {platform.python_version()}, pulumi CLI {pulumi}, "
          f"load average {' '.join(f'{x:.1f}' for x in load)} at the start")


# ------------------------------------------------------------------------------- 1-2: the plan


def class_floor_script(plan: dict[str, Any]) -> str:
    """A program that imports exactly the resource classes the plan constructs."""
    lines = ["import pulumi", "import pulumi_aws", "import pulumi_eks"]
    for t in sorted({r["type"] for p in plan["passes"] for r in p["resources"]}):
        package, module, name = t.split(":")
        if package == "aws":
            lines.append(f"pulumi_aws.{module.split('/')[0]}.{name}")
        elif package == "eks":
            lines.append(f"pulumi_eks.{name}")
    return "\n".join(lines) + "\n"


def plan_vs_floor(repeat: int, tmp: Path) -> None:
    print("\n1. offline plan of the dev stack vs its floor (fresh processes, median of "
          f"{repeat}, alternated)")
    done = subprocess.run([sys.executable, "-m", "automation", "plan", "--stack", "dev", "--json"], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    plan = json.loads(done.stdout)
    floor = tmp / "floor.py"
    floor.write_text(class_floor_script(plan))
    classes = floor.read_text().count("\n") - 3
    floors, plans = [], []
    for _ in range(repeat):
        floors.append(measure(lambda: run([str(floor)])))
        plans.append(measure(lambda: run(["-m", "automation", "plan", "--stack", "dev", "--json"])))
    fw, fc = medians(floors)
    pw, pc = medians(plans)
    row(f"floor: import the {classes} resource classes", fw, fc)
    row("private-eks plan --stack dev --json", pw, pc)
    print(f"  ratio plan/floor: {pw / fw:.2f}x wall, {pc / fc:.2f}x CPU   (target <= {PLAN_TARGET}x: "
          f"{'met' if pc / fc <= PLAN_TARGET else 'NOT met'} on CPU)")


def generated_project(tmp: Path, stacks: int, groups: int = 1) -> Path:
    project = Path(tempfile.mkdtemp(prefix=f"project-{stacks}-{groups}-", dir=tmp))
    (project / "stacks").mkdir()
    doc = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(doc))
    dev = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    cluster = dev["config"]["private-eks:cluster"]
    template = cluster["managedNodeGroups"][0]
    cluster["managedNodeGroups"] = [dict(copy.deepcopy(template), name=f"mng-{i:02d}") for i in range(groups)]
    for i in range(stacks):
        (project / "stacks" / f"Pulumi.s{i:03d}.yaml").write_text(yaml.safe_dump(dev, sort_keys=False))
    return project


def plan_growth(tmp: Path) -> None:
    print("\n2. how the plan's cost grows (fresh process each)")
    base = None
    for n in (1, 10, 50):
        project = generated_project(tmp, n)
        wall, cpu_s, _ = measure(lambda p=project: run(["-m", "automation", "-C", str(p), "plan", "--all", "--json"]))
        base = base or (wall, cpu_s)
        extra = "" if n == 1 else (f"(+{(wall - base[0]) / (n - 1):.2f} s wall, "
                                   f"+{(cpu_s - base[1]) / (n - 1):.2f} s CPU per stack)")
        row(f"plan --all, {n} stack(s)", wall, cpu_s, extra)
    for groups in (1, 50):
        project = generated_project(tmp, 1, groups)
        stack = project / "stacks" / "Pulumi.s000.yaml"
        wall, cpu_s, _ = measure(lambda f=stack: run(["-m", "automation", "plan", "--file", str(f), "--json"]))
        row(f"plan --file, {groups} managed node group(s)", wall, cpu_s)


# ---------------------------------------------------------------------------- 3-4: the runner


def engine_runs(tmp: Path, with_aws: bool) -> None:
    from tests.engine.harness import INSTALL, UNSET, make_project, start_moto

    print("\n3. runner overhead on the real engine (stand-in program"
          f"{' in moto' if with_aws else ', state only'}; a fresh stack each)")
    done = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, check=True)
    bin_dir = Path(done.stdout.strip().splitlines()[-1])
    moto = start_moto() if with_aws else None
    home = tmp / "pulumi-home"
    home.mkdir()
    for key in UNSET:
        os.environ.pop(key, None)
    results: dict[str, tuple[float, float, Any]] = {}
    try:
        for label in ("plain", "auto", "never"):
            root = tmp / f"engine-{label}"
            root.mkdir()
            project = make_project(root, bin_dir, home, moto.url if moto else None)
            os.environ.update(project.env)
            if label == "plain":
                results[label] = measure(lambda p=project: p.stack(phase="private").up())
            else:
                results[label] = measure(lambda p=project, mode=label: p.runner().up(bootstrap=mode))
    finally:
        if moto:
            moto.stop()
    pw, pc, _ = results["plain"]
    row("plain `pulumi up` (automation API, one update)", pw, pc)
    # Engine operations each run needs: auto, two updates; never, a preview (the refusal check)
    # and an update. Per operation, the ratio is the runner's own overhead.
    for label, what, ops in (("auto", "runner up, new stack (bootstrap + private)", 2),
                             ("never", "runner up --bootstrap never (preview + private)", 2)):
        w, c, _ = results[label]
        row(what, w, c, f"{w / pw:.2f}x wall, {c / pc:.2f}x CPU of the plain up; "
            f"per engine operation {w / ops / pw:.2f}x wall, {c / ops / pc:.2f}x CPU")
    print("\n4. the bootstrap window in those runs (engine events: cluster create start -> close done)")
    for label in ("auto", "never"):
        up = results[label][2]
        spans = ", ".join(f"{w.opened_at:%H:%M:%S} -> {w.closed_at:%H:%M:%S}" for w in up.windows) or "never opened"
        print(f"  {label:<6} {up.window_seconds:6.1f} s open ({spans})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5, help="fresh-process runs of the plan and of its floor")
    ap.add_argument("--aws", action="store_true", help="run the engine's stand-ins against moto's server")
    ap.add_argument("--skip-engine", action="store_true", help="only the plan measurements (no Pulumi CLI needed)")
    args = ap.parse_args()
    machine()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        plan_vs_floor(args.repeat, tmp)
        plan_growth(tmp)
        if not args.skip_engine:
            engine_runs(tmp, args.aws)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
