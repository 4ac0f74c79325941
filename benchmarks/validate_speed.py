"""Settings validation: wall time and peak memory for the dev stack and a large generated stack.

    python benchmarks/validate_speed.py [--repeat N]
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

from components.settings import settings_from_document  # noqa: E402


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
    for label, doc in (("dev stack", dev), ("500+500 node groups", large(dev, 500))):
        med, worst, peak = measure(doc, args.repeat if label == "dev stack" else max(args.repeat // 20, 3))
        print(f"{label:>22}: median {med * 1000:.2f} ms, max {worst * 1000:.2f} ms, peak {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
