"""nodeGroups[].instancesDistribution as PrivateCluster declares it: a mixed instances policy on the Auto
Scaling group pulumi-eks's NodeGroupV2 creates (components/nodes/mixed_instances.py)."""

from __future__ import annotations

import pulumi
import pytest

from automation.plan import plan_stack
from components.nodes.mixed_instances import TEMPLATE_NAME, TEMPLATE_VERSION, MixedInstancesPolicy
from tests.components.test_node_group_options import child, one_group
from tests.components.test_sdk_types import args_class, check

ASG = "aws:autoscaling/group:Group"
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/tg-1/0123456789abcdef"
# eksctl examples/08-spot-instances.yaml's distribution, with every other field.
DISTRIBUTION = {"maxPrice": 0.017, "instanceTypes": ["t3.small", "t3.medium"], "onDemandBaseCapacity": 1,
                "onDemandPercentageAboveBaseCapacity": 50, "spotInstancePools": 2,
                "spotAllocationStrategy": "lowest-price", "capacityRebalance": True}
# The Auto Scaling group as pulumi-eks nodejs/eks/nodes/nodegroup.ts (createNodeGroupV2Internal) registers it.
PULUMI_EKS_ASG = {"minSize": 1, "maxSize": 5, "desiredCapacity": 2,
                  "launchTemplate": {"name": "g1-launchTemplate-1234567", "version": "3"},
                  "vpcZoneIdentifiers": ["subnet-1"], "instanceRefresh": {"strategy": "Rolling"}, "tags": []}


def test_the_launch_template_reference_moves_into_the_policy_with_an_override_per_type():
    """pulumi-eks nodegroup.ts gives the group `launchTemplate: {name, version}` and takes no mixed instances
    policy; an Auto Scaling group has one or the other, so the reference moves, as eksctl builds it
    (eksctl pkg/cfn/builder/nodegroup.go, mixedInstancesPolicy: LaunchTemplateSpecification, an Overrides
    entry per instance type, the InstancesDistribution fields given, SpotMaxPrice as "%f")."""
    _, g = one_group("nodeGroups", instancesDistribution=DISTRIBUTION)
    props = child(g, ASG, PULUMI_EKS_ASG)
    assert "launchTemplate" not in props
    assert props["mixedInstancesPolicy"] == {
        "launchTemplate": {
            "launchTemplateSpecification": {"launchTemplateName": "g1-launchTemplate-1234567", "version": "3"},
            "overrides": [{"instanceType": "t3.small"}, {"instanceType": "t3.medium"}],
        },
        "instancesDistribution": {"spotMaxPrice": "0.017000", "onDemandBaseCapacity": 1,
                                  "onDemandPercentageAboveBaseCapacity": 50, "spotInstancePools": 2,
                                  "spotAllocationStrategy": "lowest-price"},
    }
    assert props["capacityRebalance"] is True  # eksctl nodegroup.go, nodeGroupResource
    assert {k: props[k] for k in ("minSize", "maxSize", "vpcZoneIdentifiers")} == {
        "minSize": 1, "maxSize": 5, "vpcZoneIdentifiers": ["subnet-1"]}
    problems: list[str] = []
    check(props, args_class(ASG), "asg", problems)  # the pinned pulumi-aws GroupArgs takes what the child ends with
    assert problems == []


def test_the_other_auto_scaling_group_inputs_still_apply():
    """targetGroupARNs and asgMetricsCollection (components/nodes/node_groups.py self_managed_asg_inputs) go on the same
    child, in either order of the transforms."""
    _, g = one_group("nodeGroups", instancesDistribution=DISTRIBUTION, targetGroupARNs=[TARGET_GROUP],
                     asgMetricsCollection=[{"metrics": ["GroupMinSize"]}])
    props = child(g, ASG, PULUMI_EKS_ASG)
    assert props["targetGroupArns"] == [TARGET_GROUP] and props["enabledMetrics"] == ["GroupMinSize"]
    assert "mixedInstancesPolicy" in props and "launchTemplate" not in props
    reversed_props = PULUMI_EKS_ASG
    for t in reversed([t for t in g.transforms if getattr(t, "child_type", None) == ASG]):
        result = t(pulumi.ResourceTransformArgs(custom=True, type_=ASG, name="c", opts=pulumi.ResourceOptions(),
                                                props=reversed_props))
        reversed_props = result.props if result is not None else reversed_props
    assert reversed_props == props


def test_the_launch_template_gets_the_first_type_and_no_spot_market_options():
    """eksctl nodegroup.go: the template's InstanceType is InstanceTypes[0]. pulumi-eks nodegroup.ts puts
    spot market options on the template only with spotPrice, which a mixed instances policy refuses: none
    is given."""
    _, g = one_group("nodeGroups", instanceType="mixed", instancesDistribution=DISTRIBUTION)
    assert g.inputs["instanceType"] == "t3.small"
    assert "spotPrice" not in g.inputs


def test_only_the_given_distribution_fields_are_sent():
    """eksctl nodegroup.go: "Only set the price if it was specified so otherwise AWS picks on-demand price";
    the others likewise only when given (AWS's defaults: 0, 100, 2, lowest-price); capacityRebalance only
    when true."""
    _, g = one_group("nodeGroups", instancesDistribution={"instanceTypes": ["m5.large", "m5a.large"]})
    props = child(g, ASG, PULUMI_EKS_ASG)
    assert props["mixedInstancesPolicy"]["instancesDistribution"] == {}
    assert "capacityRebalance" not in props


def test_a_group_without_a_distribution_keeps_its_launch_template():
    _, g = one_group("nodeGroups", instanceType="c5.large")
    assert not [t for t in g.transforms if isinstance(t, MixedInstancesPolicy)]
    assert child(g, ASG, PULUMI_EKS_ASG)["launchTemplate"] == PULUMI_EKS_ASG["launchTemplate"]
    assert g.inputs["instanceType"] == "c5.large"


def test_an_id_reference_moves_as_an_id_and_other_children_are_left_alone():
    """pulumi-aws GroupLaunchTemplate takes an id or a name; the specification has launchTemplateId and
    launchTemplateName (GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs)."""
    _, g = one_group("nodeGroups", instancesDistribution=DISTRIBUTION)
    (t,) = [t for t in g.transforms if isinstance(t, MixedInstancesPolicy)]
    args = pulumi.ResourceTransformArgs(custom=True, type_=ASG, name="c", opts=pulumi.ResourceOptions(),
                                        props={"launchTemplate": {"id": "lt-0123456789abcdef0", "version": "1"}})
    result = t(args)
    assert result is not None
    assert result.props["mixedInstancesPolicy"]["launchTemplate"]["launchTemplateSpecification"] == {
        "launchTemplateId": "lt-0123456789abcdef0", "version": "1"}
    lt = pulumi.ResourceTransformArgs(custom=True, type_="aws:ec2/launchTemplate:LaunchTemplate", name="c",
                                      opts=pulumi.ResourceOptions(), props={"instanceType": "t3.small"})
    assert t(lt) is None


def test_a_group_with_no_launch_template_to_move_fails_loudly():
    """Should pulumi-eks stop setting launchTemplate, the policy would have no template: refused, not sent."""
    _, g = one_group("nodeGroups", instancesDistribution=DISTRIBUTION)
    (t,) = [t for t in g.transforms if isinstance(t, MixedInstancesPolicy)]
    with pytest.raises(ValueError, match="no launchTemplate to move"):
        t(pulumi.ResourceTransformArgs(custom=True, type_=ASG, name="c", opts=pulumi.ResourceOptions(),
                                       props={"minSize": 1}))


def test_the_offline_plan_shows_the_policy_under_child_inputs():
    """The plan's childInputs (automation/plan/build.py) show the moved reference by placeholders and the removed
    launchTemplate as null, beside the other Auto Scaling group inputs."""
    from tests.components.helpers import settings

    plan = plan_stack(settings(nodeGroups=[{"name": "g1", "privateNetworking": True, "targetGroupARNs": [TARGET_GROUP],
                                            "instancesDistribution": DISTRIBUTION}]), ("private",))
    (ng,) = [r for r in plan["passes"][0]["resources"] if r["type"] == "eks:index:NodeGroupV2"]
    asg = ng["childInputs"][ASG]
    assert asg["launchTemplate"] is None and asg["targetGroupArns"] == [TARGET_GROUP]
    assert asg["mixedInstancesPolicy"]["launchTemplate"]["launchTemplateSpecification"] == {
        "launchTemplateName": TEMPLATE_NAME, "version": TEMPLATE_VERSION}
    assert asg["mixedInstancesPolicy"]["launchTemplate"]["overrides"] == [
        {"instanceType": "t3.small"}, {"instanceType": "t3.medium"}]
    assert asg["capacityRebalance"] is True
