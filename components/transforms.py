"""Inputs that pulumi-eks's components do not expose, set on the children they create.

pulumi-eks 4.x builds its children (the EKS cluster, launch templates) inside its own provider; the
only way to reach an input it does not offer is a resource transform on the component, which the
engine applies to every child it registers. ``ChildInputs`` is such a transform that also says what
it sets, so the offline plan can show it beside the component's own inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi


def merge_inputs(props: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with ``inputs`` merged in: mappings merge key by key, and a mapping given for a list
    of mappings merges into each item (every block device of a launch template, say)."""
    out = dict(props or {})
    for key, value in inputs.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = merge_inputs(current, value)
        elif isinstance(value, Mapping) and isinstance(current, list):
            out[key] = [merge_inputs(item, value) if isinstance(item, Mapping) else item for item in current]
        else:
            out[key] = value
    return out


# eq=False: the SDK keys registered transforms by the callable, so it must hash by identity.
@dataclass(frozen=True, eq=False)
class ChildInputs:
    """A resource transform: ``inputs`` merged into every child of type ``child_type`` (whose name ends
    with ``name_suffix``, when given: one of several children of a type)."""

    child_type: str
    inputs: Mapping[str, Any]
    name_suffix: str = ""

    @property
    def key(self) -> str:
        """Which children it reaches, as the plan names them: ``type`` or ``type::*suffix``."""
        return f"{self.child_type}::*{self.name_suffix}" if self.name_suffix else self.child_type

    def __call__(self, args: pulumi.ResourceTransformArgs) -> Optional[pulumi.ResourceTransformResult]:
        if args.type_ != self.child_type or not args.name.endswith(self.name_suffix):
            return None
        return pulumi.ResourceTransformResult(merge_inputs(args.props, self.inputs), args.opts)


@dataclass(frozen=True, eq=False)
class AsgTag(ChildInputs):
    """One tag of the Auto Scaling group NodeGroupV2 makes, set over pulumi-eks's own: it appends
    ``Name: <cluster>-worker`` (propagated at launch) after the given tags (nodejs/eks/nodes/nodegroup.ts,
    inputTagsToASGTags), and a tag the group propagates wins over the launch template's on the instances
    (EC2 Auto Scaling user guide, "Tag Auto Scaling groups and instances"). Passing the tag in
    autoScalingGroupTags would send the key twice."""

    def __call__(self, args: pulumi.ResourceTransformArgs) -> Optional[pulumi.ResourceTransformResult]:
        if args.type_ != self.child_type:
            return None
        props = dict(args.props or {})
        (wanted,) = self.inputs["tags"]
        props["tags"] = pulumi.Output.from_input(props.get("tags") or []).apply(lambda tags: [
            t for t in tags if not (isinstance(t, Mapping) and t.get("key") == wanted["key"])] + [wanted])
        return pulumi.ResourceTransformResult(props, args.opts)


def instance_name_tag(name: str) -> AsgTag:
    """The instances' ``Name`` tag (eksctl's instanceName) on the Auto Scaling group, propagated at launch."""
    return AsgTag("aws:autoscaling/group:Group", {"tags": [{"key": "Name", "value": name, "propagateAtLaunch": True}]})
