"""The stack file as YAML text: written by PyYAML, with comments between sections naming the eksctl
path each came from, and what was dropped or noted at the top."""

from __future__ import annotations

from typing import Any

import yaml

from automation.eksctl.walk import Walk
from components.settings import CONFIG_KEY, REGION_KEY


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key, and no anchors."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any, indent: int) -> list[str]:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)
    pad = " " * indent
    return [pad + line for line in text.splitlines()]


def render(doc: dict[str, Any], walk: Walk, *, stack: str, source: str, added: dict[str, str]) -> str:
    config = doc["config"]
    lines = [
        f"# Stack {stack!r}, imported by `private-eks import-eksctl` from the eksctl ClusterConfig {source}.",
        f"# Save it as stacks/Pulumi.{stack}.yaml. Each section names the eksctl path it came from.",
    ]
    if walk.dropped:
        lines.append("# Not carried over (imported with --allow-drop):")
        lines += [f"#   {d}" for d in walk.dropped]
    if walk.notes:
        lines.append("# Notes:")
        lines += [f"#   {n}" for n in walk.notes]
    lines.append("config:")
    if REGION_KEY in config:
        lines.append("  # from eksctl: metadata.region")
        lines += _dump({REGION_KEY: config[REGION_KEY]}, 2)
    cluster = config[CONFIG_KEY]
    lines.append(f"  {CONFIG_KEY}:")
    for key, value in cluster.items():
        origin = f"added: {added[key]}" if key in added else f"from eksctl: {key}"
        lines.append(f"    # {origin}")
        if key in ("nodeGroups", "managedNodeGroups", "fargateProfiles") and isinstance(value, list) and value:
            lines.append(f"    {key}:")
            for i, item in enumerate(value):
                extra = ""
                if f"{key}[{i}].taints" in walk.converted:
                    extra = " (taints converted from eksctl's map form)"
                lines.append(f"      # from eksctl: {key}[{i}]{extra}")
                lines += _dump([item], 6)
        else:
            lines += _dump({key: value}, 4)
    return "\n".join(lines) + "\n"

