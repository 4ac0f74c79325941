"""import-eksctl and nodeGroups[].instancesDistribution (issue 14), in the shapes of eksctl's own examples
(eksctl-io/eksctl examples/08-spot-instances.yaml, 23-kubeflow-spot-instance.yaml)."""

from __future__ import annotations

import pytest

from automation.eksctl import ImportInvalid, ImportRefused, import_cluster_config
from automation.plan import plan_stack
from components.settings import CONFIG_KEY
from tests.eksctl.test_import import minimal

ASG = "aws:autoscaling/group:Group"
SPOT_08 = {"name": "ng-1", "privateNetworking": True, "minSize": 2, "maxSize": 5, "instancesDistribution": {
    "maxPrice": 0.017, "instanceTypes": ["t3.small", "t3.medium"], "onDemandBaseCapacity": 0,
    "onDemandPercentageAboveBaseCapacity": 50, "spotInstancePools": 2}}
GPU_SPOT_23 = {"name": "8-gpu-spot-p3dn-24xlarge", "privateNetworking": True, "minSize": 0, "maxSize": 1, "instancesDistribution": {
    "maxPrice": 11, "instanceTypes": ["p3dn.24xlarge"], "onDemandBaseCapacity": 0,
    "onDemandPercentageAboveBaseCapacity": 0, "spotAllocationStrategy": "capacity-optimized"},
    "labels": {"lifecycle": "Ec2Spot"}, "availabilityZones": ["us-west-2a"],
    "taints": [{"key": "spotInstance", "value": "true", "effect": "PreferNoSchedule"}]}


def asg_child_inputs(settings) -> dict[str, dict]:
    (private,) = [p for p in plan_stack(settings, ("private",))["passes"] if p["phase"] == "private"]
    return {r["name"].rsplit("-", 1)[-1]: r["childInputs"][ASG] for r in private["resources"]
            if r["type"] == "eks:index:NodeGroupV2" and ASG in r.get("childInputs", {})}


def test_the_spot_examples_import_with_nothing_dropped_and_plan_a_mixed_instances_policy():
    """08 and 23: instancesDistribution is carried unchanged and becomes the Auto Scaling group's mixed
    instances policy, as eksctl's pkg/cfn/builder/nodegroup.go builds it."""
    r = import_cluster_config(minimal(nodeGroups=[SPOT_08, GPU_SPOT_23], managedNodeGroups=[]))
    assert r.dropped == []
    carried = r.document["config"][CONFIG_KEY]["nodeGroups"]
    assert [g["instancesDistribution"] for g in carried] == [
        SPOT_08["instancesDistribution"], GPU_SPOT_23["instancesDistribution"]]
    asgs = asg_child_inputs(r.settings)
    spot = asgs["1"]["mixedInstancesPolicy"]
    assert spot["launchTemplate"]["overrides"] == [{"instanceType": "t3.small"}, {"instanceType": "t3.medium"}]
    assert spot["instancesDistribution"] == {"spotMaxPrice": "0.017000", "onDemandBaseCapacity": 0,
                                             "onDemandPercentageAboveBaseCapacity": 50, "spotInstancePools": 2}
    gpu = asgs["24xlarge"]["mixedInstancesPolicy"]["instancesDistribution"]
    assert gpu == {"spotMaxPrice": "11.000000", "onDemandBaseCapacity": 0, "onDemandPercentageAboveBaseCapacity": 0,
                   "spotAllocationStrategy": "capacity-optimized"}


def test_mixed_instance_type_is_carried_and_another_is_refused_by_its_eksctl_path():
    """eksctl validation.go, validateInstancesDistribution: instanceType "mixed" or unset."""
    r = import_cluster_config(minimal(nodeGroups=[{**SPOT_08, "instanceType": "mixed"}], managedNodeGroups=[]))
    assert r.settings.cluster.node_groups[0].launch_instance_type == "t3.small"
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(nodeGroups=[{**SPOT_08, "instanceType": "m5.large"}], managedNodeGroups=[]))
    assert [p.path for p in e.value.problems] == ["nodeGroups[0].instanceType"]


def test_a_distribution_eksctl_refuses_is_refused_by_its_eksctl_path():
    """eksctl validation.go: spotInstancePools cannot be given with capacity-optimized."""
    bad = {**GPU_SPOT_23, "instancesDistribution": {**GPU_SPOT_23["instancesDistribution"], "spotInstancePools": 2}}
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(nodeGroups=[bad], managedNodeGroups=[]))
    assert [p.path for p in e.value.problems] == ["nodeGroups[0].instancesDistribution.spotInstancePools"]


def test_a_managed_group_distribution_is_dropped_with_the_managed_alternative():
    """eksctl types.go: instancesDistribution is NodeGroup's only; managed groups take instanceTypes and spot."""
    doc = minimal(managedNodeGroups=[{"name": "m", "privateNetworking": True,
                                      "instancesDistribution": {"instanceTypes": ["m5.large"]}}])
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(doc)
    (dropped,) = e.value.dropped
    assert dropped.path == "managedNodeGroups[0].instancesDistribution"
    assert "instanceTypes and spot" in dropped.reason
