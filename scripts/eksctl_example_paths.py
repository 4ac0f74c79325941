"""Print the eksctl paths that eksctl ClusterConfig files use, one generic path per line.

    python scripts/eksctl_example_paths.py eksctl/examples/*.yaml > tests/eksctl/data/eksctl-example-paths.txt

The list of eksctl's own examples is kept in tests/eksctl/data: a test checks that each path is
carried by import-eksctl, noted, or dropped with a reason the README documents.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automation.eksctl import config_paths  # noqa: E402


def main(files: list[str]) -> int:
    paths: set[str] = set()
    for name in files:
        for doc in yaml.safe_load_all(Path(name).read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "ClusterConfig":
                paths |= config_paths(doc)
    print("\n".join(sorted(paths - {"apiVersion", "kind"})))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
