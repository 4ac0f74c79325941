"""Settings validation: wall time and peak memory for the dev stack, a stack of 50 node groups using
every field (target: under 50 ms), and a large generated stack.

    python benchmarks/validate_speed.py [--repeat N]

The every-field stack is the import of tests/eksctl/data/new-vpc-all-fields.yaml (a test checks that it
uses every field the import carries), its node groups repeated to 25 self-managed and 25 managed.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.eksctl import import_cluster_config  # noqa: E402
from components.settings import settings_from_document  # noqa: E402

TARGET_MS = 50


def every_field(groups: int = 50) -> dict:
    text = (ROOT / "tests" / "eksctl" / "data" / "new-vpc-all-fields.yaml").read_text()
    doc = copy.deepcopy(import_cluster_config(text).document)
    c = doc["config"]["private-eks:cluster"]
    for kind in ("nodeGroups", "managedNodeGroups"):
        templates = c[kind]
        c[kind] = [dict(templates[i % len(templates)], name=f"{kind[:3].lower()}-{i}") for i in range(groups // 2)]
    return doc


def large(doc: dict, groups: int) -> dict:
    doc = copy.deepcopy(doc)
    c = doc["config"]["private-eks:cluster"]
    template = c["managedNodeGroups"][0]
    c["managedNodeGroups"] = [dict(template, name=f"mng-{i}") for i in range(groups)]
    c["nodeGroups"] = [dict(c["nodeGroups"][0], name=f"ng-{i}") for i in range(groups)]
    return doc


def measure(doc: dict, repeat: int) -> tuple[float, float, int]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        settings_from_document(doc, stack="bench", source="bench")
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    settings_from_document(doc, stack="bench", source="bench")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), max(times), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    dev = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    full = every_field()
    cluster = full["config"]["private-eks:cluster"]
    assert len(cluster["nodeGroups"]) + len(cluster["managedNodeGroups"]) == 50
    for label, doc, repeat in (("dev stack", dev, args.repeat),
                               ("50 groups, every field", full, args.repeat),
                               ("500+500 node groups", large(dev, 500), max(args.repeat // 20, 3))):
        med, worst, peak = measure(doc, repeat)
        print(f"{label:>22}: median {med * 1000:.2f} ms, max {worst * 1000:.2f} ms, peak {peak / 1024:.0f} KiB")
        if label.startswith("50 groups"):
            print(f"{'':>22}  target: under {TARGET_MS} ms — {'met' if med * 1000 < TARGET_MS else 'NOT MET'}")


if __name__ == "__main__":
    main()
