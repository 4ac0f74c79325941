"""The plan as a tree for a terminal (``private-eks plan``), and the flat input paths both the tree's
"differs between passes" and the plan diff (automation/plan/diff.py) compare. The library never
prints: the CLI writes what these return."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from automation.plan.resource_types import EKS_CLUSTER, SUBNET, VPC_ENDPOINT

# A node group's additions to pulumi-eks's user data (components/nodes/user_data.py).
_USER_DATA_KEYS = ("kubeletExtraArgs", "bottlerocketSettings", "userData", "nodeUserDataOverride")
_SUMMARY_KEYS = {
    "aws:ec2/vpc:Vpc": ("cidrBlock", "enableDnsSupport", "enableDnsHostnames"),
    SUBNET: ("availabilityZone", "cidrBlock", "mapPublicIpOnLaunch"),
    VPC_ENDPOINT: ("serviceName", "vpcEndpointType", "privateDnsEnabled"),
    "aws:ec2/securityGroup:SecurityGroup": ("ingress",),
    EKS_CLUSTER: ("name", "version", "endpointPrivateAccess", "endpointPublicAccess", "publicAccessCidrs",
                  "authenticationMode"),
    "eks:index:ManagedNodeGroup": ("nodeGroupName", "instanceTypes", "capacityType", "scalingConfig", "launchTemplate",
                                   *_USER_DATA_KEYS),
    "eks:index:NodeGroupV2": ("instanceType", "nodeAssociatePublicIpAddress", "minSize", "desiredCapacity", "maxSize",
                              *_USER_DATA_KEYS),
    "aws:eks/accessEntry:AccessEntry": ("type",),
    "aws:eks/fargateProfile:FargateProfile": ("fargateProfileName",),
    "aws:eks/capability:Capability": ("capabilityName", "type"),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ("policyArn", "accessScope"),
}


def short(value: Any) -> str:
    """A value on one line, cut at 70 characters."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 70 else text[:67] + "..."


def _summary(r: Mapping[str, Any]) -> str:
    keys = _SUMMARY_KEYS.get(r["type"], ())
    inputs = r["inputs"]
    parts = [f"{k}={short(inputs[k])}" for k in keys if k in inputs]
    for k in ("subnetIds", "nodeSubnetIds", "privateSubnetIds", "routeTableIds", "nodeadmExtraOptions"):
        if k in inputs and isinstance(inputs[k], list):
            parts.append(f"{k}=[{len(inputs[k])}]")
    return ("  " + " ".join(parts)) if parts else ""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested inputs as dotted paths; a reference (``{"ref": name}``) stays one value."""
    if isinstance(value, dict) and value and "ref" not in value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    return {prefix: value}


def comparable(r: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's inputs as flat paths, with what transforms set on its children under ``childInputs``."""
    flat = flatten(r["inputs"])
    if r.get("childInputs"):
        flat.update(flatten(r["childInputs"], "childInputs"))
    return flat


def render_plan_text(plan: Mapping[str, Any]) -> str:
    """A tree grouped by component; the last pass's resources, then what differs between passes."""
    passes = plan["passes"]
    lines = [f"stack {plan['stack']} ({plan['region']}): offline plan of "
             + " and ".join(p["phase"] for p in passes)]
    if not passes:
        return "\n".join(lines) + "\n"
    final = passes[-1]
    resources = final["resources"]
    children: dict[Optional[str], list[Mapping[str, Any]]] = {}
    for r in resources:
        children.setdefault(r["parent"], []).append(r)
    counts = f"{len(resources)} resources" + "".join(
        f", {p['phase']}: {len(p['resources'])}" for p in passes[:-1])
    lines.append(f"resources ({final['phase']} pass): {counts}")

    def walk(parent: Optional[str], depth: int) -> None:
        for r in children.get(parent, []):
            lines.append(f"{'  ' * depth}{'└─ ' if depth > 1 else ''}{r['type']}  {r['name']}{_summary(r)}")
            walk(r["name"], depth + 1)

    walk(None, 1)
    if len(passes) > 1:
        lines.append("")
        lines.append("differs between passes:")
        diff_lines = []
        first = passes[0]
        a = {(r["type"], r["name"]): r for r in first["resources"]}
        b = {(r["type"], r["name"]): r for r in final["resources"]}
        for key in sorted(set(a) | set(b)):
            if key not in a:
                diff_lines.append(f"  + {key[0]} {key[1]} (only in {final['phase']})")
            elif key not in b:
                diff_lines.append(f"  - {key[0]} {key[1]} (only in {first['phase']})")
            else:
                fa, fb = comparable(a[key]), comparable(b[key])
                for k in sorted(set(fa) | set(fb)):
                    if fa.get(k, ABSENT) != fb.get(k, ABSENT):
                        diff_lines.append(f"  ~ {key[0]} {key[1]}: {k}: {first['phase']}="
                                          f"{show(fa.get(k, ABSENT))} {final['phase']}={show(fb.get(k, ABSENT))}")
        lines += diff_lines or ["  nothing"]
    lines.append("")
    lines.append("findings:")
    lines += [f"  - {f}" for f in plan["findings"]]
    lines.append(f"estimated interface endpoint cost: ${plan['endpointCostPerHour']:.4f}/hour")
    return "\n".join(lines) + "\n"


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


# A path one side does not have, told apart from a path whose value is null.
ABSENT = _Absent()


def show(v: Any) -> str:
    return "(absent)" if v is ABSENT else short(v)
