"""Which changes of a plan diff are replacements, and what each replacement drags along.

A resource is replaced when a changed input is force-new for its type
(:data:`automation.plan.replacements.FORCE_NEW`). Pulumi does not replace a child because its parent is
replaced, but a resource whose force-new input takes an output of a replaced resource (a subnet's
``vpcId``) is replaced too: in a preview that output is unknown, and an unknown force-new input
plans a replacement. So replacements close transitively over the plan's references.

How the offline plan records references: a resource id or URN reads as the resource's name
(``vpcId: "dev-private-network-vpc"``), a resource input as ``{"ref": name}``; outputs the mocks
derive from a resource read as that derivation (an ARN ending in ``/<name>``, an auto-name
``<name>-<7 hex>``, the cluster's name, the security group EKS makes for the cluster). The aliases
below are exactly those the mocks in :mod:`automation.plan.mocks` produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from automation.plan.mocks import digest
from automation.plan.replacements import CLUSTER_TYPES, FORCE_NEW

Key = tuple[str, str]  # (type, name)


@dataclass(frozen=True)
class Replacement:
    key: Key
    reasons: tuple[str, ...]
    cause: Key  # the directly replaced resource this one is dragged along by (itself when direct)


def _covers(rule_path: str, changed: str) -> bool:
    return changed == rule_path or changed.startswith(rule_path + ".") or rule_path.startswith(changed + ".")


def direct_reasons(type_: str, changed_paths: Iterable[str]) -> tuple[str, ...]:
    """The changed inputs that are force-new for ``type_``, as sentences citing the source."""
    rule = FORCE_NEW.get(type_)
    if rule is None:
        return ()
    out = []
    for path in changed_paths:
        if any(_covers(p, path) for p in rule.replaces):
            out.append(f"{path} is force-new ({rule.source})")
    return tuple(out)


def _aliases(resources: Iterable[Mapping[str, Any]]) -> dict[str, Key]:
    out: dict[str, Key] = {}
    for r in resources:
        key: Key = (r["type"], r["name"])
        name = r["name"]
        given = r["inputs"].get("name")
        out.setdefault(name, key)
        out.setdefault(f"{name}-{digest(name, n=7)}", key)  # PlanMocks: an IAM auto-name
        if r["type"] in CLUSTER_TYPES:
            cluster = given if isinstance(given, str) else name
            out[cluster] = key
            out[f"sg-{digest('clustersg', cluster)}"] = key
            out[f"sg-{digest('nodesg', cluster)}"] = key
        elif isinstance(given, str) and given:
            out.setdefault(given, key)
    return out


def references(value: Any, aliases: Mapping[str, Key]) -> set[Key]:
    """The resources a plan value refers to."""
    found: set[Key] = set()
    if isinstance(value, dict):
        if "ref" in value and isinstance(value["ref"], str) and value["ref"] in aliases:
            found.add(aliases[value["ref"]])
        for v in value.values():
            found |= references(v, aliases)
    elif isinstance(value, list):
        for v in value:
            found |= references(v, aliases)
    elif isinstance(value, str):
        if value in aliases:
            found.add(aliases[value])
        elif value.startswith("arn:") and "/" in value and value.rsplit("/", 1)[1] in aliases:
            found.add(aliases[value.rsplit("/", 1)[1]])
    return found


def _at(inputs: Mapping[str, Any], path: str) -> Any:
    cur: Any = inputs
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def close_replacements(
    resources: Iterable[Mapping[str, Any]],
    existing: Iterable[Key],
    changed: Mapping[Key, Iterable[str]],
) -> dict[Key, Replacement]:
    """Every replacement of one pass: the direct ones (a force-new input changed) and those dragged
    along (a force-new or VPC-bound input refers to a replaced resource), to a fixed point.
    ``resources``: the new plan's resources of the pass; ``existing``: the keys in both plans (only
    those can be replaced); ``changed``: the changed input paths by key."""
    resources = list(resources)
    existing = set(existing)
    aliases = _aliases(resources)
    out: dict[Key, Replacement] = {}
    for key, paths in changed.items():
        reasons = direct_reasons(key[0], paths)
        if reasons and key in existing:
            out[key] = Replacement(key, reasons, key)
    grew = True
    while grew:
        grew = False
        for r in resources:
            key = (r["type"], r["name"])
            rule = FORCE_NEW.get(r["type"])
            if key in out or key not in existing or rule is None:
                continue
            for path in (*rule.replaces, *rule.vpc_bound):
                hit = sorted(references(_at(r["inputs"], path), aliases) & set(out) - {key})
                if hit:
                    by = hit[0]
                    out[key] = Replacement(key, (f"{path} refers to {by[1]}, which is replaced",), out[by].cause)
                    grew = True
                    break
    return out
