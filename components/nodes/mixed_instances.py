"""A self-managed node group's instancesDistribution, as a mixed instances policy on its Auto Scaling group.

pulumi-eks's NodeGroupV2 (nodejs/eks/nodes/nodegroup.ts) gives the aws.autoscaling.Group it creates a
``launchTemplate`` and takes no mixed instances policy. An Auto Scaling group has one or the other, so
the transform MOVES the reference pulumi-eks sets (the template's name and latest version) into
``mixedInstancesPolicy.launchTemplate.launchTemplateSpecification``, with an override per instance
type, as eksctl builds it (pkg/cfn/builder/nodegroup.go, mixedInstancesPolicy). NodeGroupV2 is given
no ``spotPrice``: that would put spot market options on the template, which a mixed instances policy
refuses; spot is the policy's to ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from components.settings import NodeGroup
from components.transforms import ChildInputs, merge_inputs

AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
# What the plan shows for the reference the transform moves: known only once pulumi-eks makes the template.
TEMPLATE_NAME = "<the name of the launch template NodeGroupV2 makes>"
TEMPLATE_VERSION = "<its latest version>"
# pulumi-aws GroupLaunchTemplate's keys → GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecification's.
_SPECIFICATION_KEYS = {"id": "launchTemplateId", "name": "launchTemplateName", "version": "version"}


# eq=False: the SDK keys registered transforms by the callable, so it must hash by identity.
@dataclass(frozen=True, eq=False)
class MixedInstancesPolicy(ChildInputs):
    """ChildInputs whose launch template reference is the child's own: ``inputs`` (what the plan
    shows) name it by placeholders, with ``launchTemplate: None`` for the key it removes; the
    transform moves the reference the child has into their place."""

    def __call__(self, args: pulumi.ResourceTransformArgs) -> Optional[pulumi.ResourceTransformResult]:
        if args.type_ != self.child_type or not args.name.endswith(self.name_suffix):
            return None
        props = dict(args.props or {})
        template = props.pop("launchTemplate", None)
        if not isinstance(template, dict) or not template:
            raise ValueError(f"{args.name}: pulumi-eks gave the Auto Scaling group no launchTemplate to move into "
                             "mixedInstancesPolicy")
        policy = dict(self.inputs["mixedInstancesPolicy"])
        policy["launchTemplate"] = {**policy["launchTemplate"], "launchTemplateSpecification": {
            _SPECIFICATION_KEYS[k]: v for k, v in template.items() if k in _SPECIFICATION_KEYS and v is not None}}
        inputs = {k: v for k, v in self.inputs.items() if k != "launchTemplate"}
        inputs["mixedInstancesPolicy"] = policy
        return pulumi.ResourceTransformResult(merge_inputs(props, inputs), args.opts)


def mixed_instances_policy(ng: NodeGroup) -> Optional[MixedInstancesPolicy]:
    """The transform for ``ng``'s instancesDistribution; None without one. Only what is given is sent
    (eksctl's rule: AWS's defaults apply otherwise)."""
    dist = ng.instances_distribution
    if dist is None:
        return None
    distribution: dict[str, Any] = {k: v for k, v in {
        "spotMaxPrice": dist.spot_max_price,
        "onDemandBaseCapacity": dist.on_demand_base_capacity,
        "onDemandPercentageAboveBaseCapacity": dist.on_demand_percentage_above_base_capacity,
        "spotInstancePools": dist.spot_instance_pools,
        "spotAllocationStrategy": dist.spot_allocation_strategy,
    }.items() if v is not None}
    return MixedInstancesPolicy(AUTOSCALING_GROUP, {
        "launchTemplate": None,
        "mixedInstancesPolicy": {
            "launchTemplate": {
                "launchTemplateSpecification": {"launchTemplateName": TEMPLATE_NAME, "version": TEMPLATE_VERSION},
                "overrides": [{"instanceType": t} for t in dist.instance_types],
            },
            "instancesDistribution": distribution,
        },
    })
