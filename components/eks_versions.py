"""Which Kubernetes versions EKS offers, and which AWS regions exist: kept as data, with sources.

Versions. EKS's API says which versions it offers (DescribeClusterVersions) and eksctl asks it
since eksctl-io/eksctl c97eec98 ("Use DescribeClusterVersions API instead of hardcoding EKS version
data"); this project works offline, so the answer is recorded here:

- ``RETIRED``: eksctl's DeprecatedVersions 1.10-1.22 (pkg/apis/eksctl.io/v1alpha5/types.go at
  c97eec98's parent), and 1.23-1.30, past the end of extended support in EKS's Kubernetes version
  calendar (EKS user guide, kubernetes-versions.html; 1.30's ended 2026-07-23);
- ``OFFERED``: 1.31 (extended support until 2026-11-26) to 1.35, the newest version constant of
  eksctl pkg/apis/eksctl.io/v1alpha5/types.go (Version1_35, at 99984adb).

Recorded 2026-11-25, without a live call; a version EKS adds later is refused until it is added
here. Regions: the pinned botocore's ``data/endpoints.json`` (every partition's ``regions``).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

OFFERED: tuple[str, ...] = ("1.31", "1.32", "1.33", "1.34", "1.35")
RETIRED: tuple[str, ...] = tuple(f"1.{m}" for m in range(10, 31))
KNOWN: tuple[str, ...] = RETIRED + OFFERED


def version_problem(value: object) -> str | None:
    """Why ``value`` (as YAML read it) is not a version EKS offers; None when it is one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None  # the model's type check says what is wrong
    if isinstance(value, (int, float)):
        # YAML reads 1.30 as the number 1.3: the digits written are gone; every known version that
        # reads as this number is what was meant.
        meant = [v for v in KNOWN if isinstance(value, float) and float(v) == value]
        if meant:
            return f'write it quoted, "{meant[0]}": YAML reads {meant[0]} as the number {value}' + (
                "" if meant[0] in OFFERED else f" (and {_offer(meant[0])})")
        return f'write it quoted, e.g. "{OFFERED[-1]}": YAML reads {value} as a number'
    if value in OFFERED:
        return None
    if value in RETIRED:
        return _offer(value)
    return f"{value!r} is not a Kubernetes version EKS offers ({', '.join(OFFERED)})"


def _offer(version: str) -> str:
    return f"EKS no longer offers Kubernetes {version}; it offers {', '.join(OFFERED)}"


@functools.lru_cache(maxsize=1)
def aws_regions() -> frozenset[str]:
    """Every region of every partition in the pinned botocore's endpoints.json (empty if absent)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "endpoints.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(r for p in data.get("partitions", []) for r in p.get("regions", {}))
