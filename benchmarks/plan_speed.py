"""Offline plan of stacks/Pulumi.dev.yaml: wall time and peak memory.

    python benchmarks/plan_speed.py [--repeat N]

Prints the cold first plan (imports and the SDK's first-use setup included, what one
`private-eks plan --stack dev` pays), the warm plans that follow in the same process, and the
peak Python heap of one warm plan (tracemalloc) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()

    t = time.perf_counter()
    from automation.plan import plan_json, plan_stack
    from components.settings import load_stack_file
    imported = time.perf_counter() - t

    settings = load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml", stack="dev")
    t = time.perf_counter()
    first = plan_json(plan_stack(settings))
    cold = time.perf_counter() - t

    warm = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        again = plan_json(plan_stack(settings))
        warm.append(time.perf_counter() - t)
        assert again == first, "the plan is not deterministic"

    tracemalloc.start()
    plan_stack(settings)
    peak_heap = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    resources = sum(len(p["resources"]) for p in __import__("json").loads(first)["passes"])
    print(f"offline plan of stacks/Pulumi.dev.yaml (2 passes, {resources} resources, {len(first)} bytes of JSON)")
    print(f"  imports:            {imported * 1000:8.1f} ms")
    print(f"  first plan (cold):  {cold * 1000:8.1f} ms")
    print(f"  warm plan:          median {statistics.median(warm) * 1000:.1f} ms, "
          f"max {max(warm) * 1000:.1f} ms over {args.repeat}")
    print(f"  peak heap (warm):   {peak_heap / 1024 / 1024:8.1f} MiB (tracemalloc)")
    print(f"  peak RSS (process): {rss_kib / 1024:8.1f} MiB")


if __name__ == "__main__":
    main()
