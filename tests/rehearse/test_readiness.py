"""AWS's readiness rules in the doubles: add-ons that need capacity, nodes that need endpoints,
the Kubernetes API the runner must reach."""

from __future__ import annotations

import pytest

from automation.rehearse import readiness, world
from automation.rehearse.kubernetes_double import reachable
from automation.rehearse.rules import WAITS

ADDON = WAITS["aws:eks/addon:Addon"]


def coredns() -> dict:
    return {"clusterName": "c", "addonName": "coredns"}


def test_coredns_with_no_capacity_stays_degraded_until_the_provider_gives_up(account):
    """terraform-provider-aws internal/service/eks/addon.go: Create waits for ACTIVE up to 20
    minutes; coredns is a Deployment, DEGRADED while no node can run it."""
    with pytest.raises(readiness.NeverReady) as e:
        readiness.check_create("u", "aws:eks/addon:Addon", "dev-coredns", coredns(), ADDON)
    assert e.value.minutes == 20
    assert "dev-coredns (aws:eks/addon:Addon)" in str(e.value) and "DEGRADED" in str(e.value)


def test_daemonset_addons_need_no_capacity(account):
    """vpc-cni and kube-proxy are DaemonSets: ACTIVE with no nodes."""
    for name in ("vpc-cni", "kube-proxy"):
        assert readiness.check_create("u", "aws:eks/addon:Addon", "a", {"clusterName": "c", "addonName": name},
                                      ADDON) == ADDON.minutes


def test_a_tainted_node_group_does_not_schedule_coredns_an_untainted_one_does(account):
    """coredns tolerates CriticalAddonsOnly only (its Deployment in EKS's add-on)."""
    world.put("ng1", {"type": "aws:eks/nodeGroup:NodeGroup", "id": "c:ng1", "props": {
        "clusterName": "c", "nodeGroupName": "ng1", "taints": [{"key": "gpu", "effect": "NO_SCHEDULE"}]}})
    with pytest.raises(readiness.NeverReady):
        readiness.check_create("u", "aws:eks/addon:Addon", "cd", coredns(), ADDON)
    world.put("ng2", {"type": "aws:eks/nodeGroup:NodeGroup", "id": "c:ng2", "props": {
        "clusterName": "c", "nodeGroupName": "ng2"}})
    assert readiness.check_create("u", "aws:eks/addon:Addon", "cd", coredns(), ADDON) == ADDON.minutes


def test_fargate_schedules_coredns_only_when_a_selector_matches_kube_system_and_its_labels(account):
    """Amazon EKS User Guide 'Get started with AWS Fargate': coredns runs on Fargate only with a
    profile selecting kube-system (and labels matching k8s-app=kube-dns, when labels are given)."""
    fp = {"type": "aws:eks/fargateProfile:FargateProfile", "id": "c:fp"}
    world.put("fp", {**fp, "props": {"clusterName": "c", "fargateProfileName": "fp",
                                      "selectors": [{"namespace": "default"}]}})
    with pytest.raises(readiness.NeverReady):
        readiness.check_create("u", "aws:eks/addon:Addon", "cd", coredns(), ADDON)
    world.put("fp", {**fp, "props": {"clusterName": "c", "fargateProfileName": "fp",
                                      "selectors": [{"namespace": "kube-system", "labels": {"app": "x"}}]}})
    with pytest.raises(readiness.NeverReady):
        readiness.check_create("u", "aws:eks/addon:Addon", "cd", coredns(), ADDON)
    world.put("fp", {**fp, "props": {"clusterName": "c", "fargateProfileName": "fp", "selectors": [
        {"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}]}})
    readiness.check_create("u", "aws:eks/addon:Addon", "cd", coredns(), ADDON)


def _network(endpoint_services, sg_cidr="10.0.0.0/16"):
    world.put("s", {"type": "aws:ec2/subnet:Subnet", "id": "subnet-1",
                    "props": {"vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24"}})
    world.put("sg", {"type": "aws:ec2/securityGroup:SecurityGroup", "id": "sg-1", "props": {
        "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": [sg_cidr]}]}})
    for svc in endpoint_services:
        world.put(svc, {"type": "aws:ec2/vpcEndpoint:VpcEndpoint", "id": f"vpce-{svc}", "props": {
            "vpcId": "vpc-1", "serviceName": f"com.amazonaws.us-west-2.{svc}", "vpcEndpointType": "Interface",
            "privateDnsEnabled": True, "securityGroupIds": ["sg-1"]}})


def test_nodes_join_only_through_ec2_ecr_and_sts_endpoints_that_admit_them(account):
    """eksctl's private cluster: nodes reach ec2, ecr.api, ecr.dkr and sts through interface endpoints
    with private DNS; the endpoints' security group must admit 443 from the nodes."""
    ng = {"subnetIds": ["subnet-1"]}
    _network(["ec2", "ecr.api", "ecr.dkr"])
    with pytest.raises(readiness.NeverReady, match="no sts interface endpoint"):
        readiness.check_create("u", "aws:eks/nodeGroup:NodeGroup", "ng", ng, WAITS["aws:eks/nodeGroup:NodeGroup"])
    _network(["ec2", "ecr.api", "ecr.dkr", "sts"], sg_cidr="192.168.0.0/16")
    with pytest.raises(readiness.NeverReady, match="admits 443"):
        readiness.check_create("u", "aws:eks/nodeGroup:NodeGroup", "ng", ng, WAITS["aws:eks/nodeGroup:NodeGroup"])
    _network(["ec2", "ecr.api", "ecr.dkr", "sts"])
    readiness.check_create("u", "aws:eks/nodeGroup:NodeGroup", "ng", ng, WAITS["aws:eks/nodeGroup:NodeGroup"])


def test_the_kubernetes_api_is_reachable_only_with_public_access_on_and_the_runner_inside_the_cidrs(account):
    """Amazon EKS User Guide 'Cluster API server endpoint': with public access off the API is
    reachable only from inside the VPC; with it on, only from publicAccessCidrs."""
    def cluster(**vpc):
        world.put("c", {"type": "aws:eks/cluster:Cluster", "id": "c", "props": {"name": "c", "vpcConfig": vpc}})
    cluster(endpointPublicAccess=False, endpointPrivateAccess=True)
    assert "public endpoint is off" in reachable("c", "203.0.113.7")
    cluster(endpointPublicAccess=True, publicAccessCidrs=["198.51.100.0/24"])
    assert "outside publicAccessCidrs" in reachable("c", "203.0.113.7")
    cluster(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.7/32"])
    assert reachable("c", "203.0.113.7") is None
