"""nodeGroups[].instancesDistribution (issue 14): eksctl's mixed instances and spot for self-managed node
groups, accepted as eksctl writes them and refused by path with each rule's source in its docstring."""

from __future__ import annotations

from typing import Any

import pytest

from tests.settings.test_rules import base, check, cluster, problems

PATH = "nodeGroups[0].instancesDistribution"


def with_distribution(distribution: dict[str, Any] | None = None, **group: Any) -> dict:
    doc = base()
    ng: dict[str, Any] = {"name": "g1", "privateNetworking": True, **group}
    if distribution is not None:
        ng["instancesDistribution"] = distribution
    cluster(doc)["nodeGroups"] = [ng]
    return doc


def node_group(doc: dict):
    return check(doc).cluster.node_groups[0]


def test_eksctl_spot_example_is_accepted_as_written():
    """eksctl examples/08-spot-instances.yaml's node group, and the first type is the launch template's
    (eksctl pkg/cfn/builder/nodegroup.go: LaunchTemplateData.InstanceType = InstanceTypes[0])."""
    ng = node_group(with_distribution({"maxPrice": 0.017, "instanceTypes": ["t3.small", "t3.medium"],
                                       "onDemandBaseCapacity": 0, "onDemandPercentageAboveBaseCapacity": 50,
                                       "spotInstancePools": 2}, minSize=2, maxSize=5))
    d = ng.instances_distribution
    assert (d.instance_types, d.max_price, d.on_demand_base_capacity, d.on_demand_percentage_above_base_capacity,
            d.spot_instance_pools, d.spot_allocation_strategy, d.capacity_rebalance) == (
        ["t3.small", "t3.medium"], 0.017, 0, 50, 2, None, False)
    assert ng.launch_instance_type == "t3.small"
    assert d.spot_max_price == "0.017000"  # eksctl's fmt "%f"


def test_one_instance_type_and_a_whole_number_price_as_in_eksctls_kubeflow_example():
    """eksctl examples/23-kubeflow-spot-instance.yaml: one type, `maxPrice: 11`, capacity-optimized.
    eksctl validation.go counts 1 to 20 types as valid (its message says "two", its check one)."""
    ng = node_group(with_distribution({"maxPrice": 11, "instanceTypes": ["p3dn.24xlarge"], "onDemandBaseCapacity": 0,
                                       "onDemandPercentageAboveBaseCapacity": 0,
                                       "spotAllocationStrategy": "capacity-optimized"}))
    assert ng.instances_distribution.spot_max_price == "11.000000"


@pytest.mark.parametrize("instance_type", [None, "mixed"])
def test_instance_type_is_unset_or_mixed_with_a_distribution(instance_type):
    """eksctl validation.go, validateInstancesDistribution: instanceType "mixed" or unset; eksctl sets
    "mixed" itself (pkg/eks/nodegroup_service.go, Normalize)."""
    extra = {"instanceType": instance_type} if instance_type else {}
    assert node_group(with_distribution({"instanceTypes": ["m5.large"]}, **extra)).launch_instance_type == "m5.large"


def test_another_instance_type_with_a_distribution_is_refused():
    """eksctl validation.go: `instanceType should be "mixed" or unset when using the instances distribution feature`."""
    found = problems(with_distribution({"instanceTypes": ["m5.large", "m5a.large"]}, instanceType="c5.large"))
    assert list(found) == ["nodeGroups[0].instanceType"] and "mixed" in found["nodeGroups[0].instanceType"]


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_mixed_without_a_distribution_is_refused(kind):
    """"mixed" stands for the distribution's types: without one eksctl would put it on the launch template
    (cfn/builder/nodegroup.go), which EC2 refuses; managed node groups have no instancesDistribution
    (eksctl types.go, ManagedNodeGroup)."""
    doc = base()
    cluster(doc)[kind] = [{"name": "g1", "privateNetworking": True, "instanceType": "mixed"}]
    assert list(problems(doc)) == [f"{kind}[0].instanceType"]


def test_managed_node_groups_have_no_instances_distribution():
    """eksctl types.go: instancesDistribution is NodeGroup's only (managed groups take instanceTypes, spot)."""
    doc = base()
    cluster(doc)["managedNodeGroups"] = [{"name": "m", "privateNetworking": True,
                                          "instancesDistribution": {"instanceTypes": ["m5.large"]}}]
    assert list(problems(doc)) == ["managedNodeGroups[0].instancesDistribution"]


@pytest.mark.parametrize("distribution, path", [
    # eksctl validation.go: at least one type, at most 20 different ones.
    ({}, "instanceTypes"),
    ({"instanceTypes": []}, "instanceTypes"),
    ({"instanceTypes": [f"m5.{n}xlarge" for n in range(2, 23)]}, "instanceTypes"),
    # eksctl validation.go: onDemandBaseCapacity 0 or more, the percentage 0-100, pools 1-20.
    ({"instanceTypes": ["m5.large"], "onDemandBaseCapacity": -1}, "onDemandBaseCapacity"),
    ({"instanceTypes": ["m5.large"], "onDemandPercentageAboveBaseCapacity": 101}, "onDemandPercentageAboveBaseCapacity"),
    ({"instanceTypes": ["m5.large"], "onDemandPercentageAboveBaseCapacity": -1}, "onDemandPercentageAboveBaseCapacity"),
    ({"instanceTypes": ["m5.large"], "spotInstancePools": 0}, "spotInstancePools"),
    ({"instanceTypes": ["m5.large"], "spotInstancePools": 21}, "spotInstancePools"),
    # eksctl validation.go: no pools with capacity-optimized or capacity-optimized-prioritized; botocore
    # autoscaling InstancesDistribution.SpotInstancePools: "Valid only when the SpotAllocationStrategy is
    # lowest-price", so not with price-capacity-optimized either.
    ({"instanceTypes": ["m5.large"], "spotInstancePools": 2, "spotAllocationStrategy": "capacity-optimized"},
     "spotInstancePools"),
    ({"instanceTypes": ["m5.large"], "spotInstancePools": 2,
      "spotAllocationStrategy": "capacity-optimized-prioritized"}, "spotInstancePools"),
    ({"instanceTypes": ["m5.large"], "spotInstancePools": 2, "spotAllocationStrategy": "price-capacity-optimized"},
     "spotInstancePools"),
    # botocore autoscaling InstancesDistribution.SpotAllocationStrategy lists four; eksctl checks EC2's
    # list, whose "diversified" (EC2 Fleet's) an Auto Scaling group refuses.
    ({"instanceTypes": ["m5.large"], "spotAllocationStrategy": "diversified"}, "spotAllocationStrategy"),
    ({"instanceTypes": ["m5.large"], "spotAllocationStrategy": "cheapest"}, "spotAllocationStrategy"),
    # botocore autoscaling InstancesDistribution.SpotMaxPrice: "Valid Range: Minimum value of 0.001".
    ({"instanceTypes": ["m5.large"], "maxPrice": 0}, "maxPrice"),
    ({"instanceTypes": ["m5.large"], "maxPrice": float("inf")}, "maxPrice"),
    # pulumi-eks nodejs/eks/nodes/nodegroup.ts, isGravitonInstance: "Invalid EC2 instance type".
    ({"instanceTypes": ["m5.large", "large"]}, "instanceTypes[1]"),
    ({"instanceTypes": ["m5.large", "m5." + "x" * 62]}, "instanceTypes[1]"),  # no EC2 type is that long
    ({"instanceTypes": ["large", "m5.large", "large"]}, "instanceTypes[0]"),  # a repeated one named once
    # pulumi-eks nodegroup.ts, getArchitecture: one AMI, so one architecture (t4g is Graviton, arm64).
    ({"instanceTypes": ["t3.small", "t4g.small"]}, "instanceTypes"),
    ({"instanceTypes": ["m5.large"], "onDemandBase": 1}, "onDemandBase"),
])
def test_bad_distributions_are_refused_by_path(distribution, path):
    assert list(problems(with_distribution(distribution))) == [f"{PATH}.{path}"]


@pytest.mark.parametrize("strategy", ["lowest-price", "capacity-optimized", "capacity-optimized-prioritized",
                                      "price-capacity-optimized"])
def test_every_allocation_strategy_an_auto_scaling_group_takes_is_accepted(strategy):
    """botocore autoscaling InstancesDistribution.SpotAllocationStrategy's valid values."""
    d = node_group(with_distribution({"instanceTypes": ["m5.large"], "spotAllocationStrategy": strategy}))
    assert d.instances_distribution.spot_allocation_strategy == strategy


def test_pools_go_with_lowest_price_given_or_by_default_and_graviton_types_together():
    """AWS's default strategy is lowest-price (botocore InstancesDistribution.SpotAllocationStrategy)."""
    for extra in ({}, {"spotAllocationStrategy": "lowest-price"}):
        ng = node_group(with_distribution({"instanceTypes": ["m6g.large", "c6g.large"], "spotInstancePools": 20,
                                           **extra}))
        assert ng.instances_distribution.spot_instance_pools == 20


def test_every_problem_of_a_distribution_is_reported_at_once():
    found = problems(with_distribution({"instanceTypes": ["t3.small", "t4g.small"], "spotInstancePools": 3,
                                        "spotAllocationStrategy": "capacity-optimized"}))
    assert sorted(found) == [f"{PATH}.instanceTypes", f"{PATH}.spotInstancePools"]
