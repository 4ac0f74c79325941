"""Whether a stack needs the Kubernetes API (and so a bootstrap window), and the dependency edges
that let AWS create the control plane and the endpoints at the same time."""

from __future__ import annotations

import pulumi
import pytest

from automation.kubernetes_api import kubernetes_api_needs
from automation.plan import plan_stack, run_program
from components.program import build
from tests.components.helpers import BASE, settings

ENDPOINT_TYPES = ("aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ec2/securityGroup:SecurityGroup")
CAPACITY_TYPES = ("eks:index:NodeGroupV2", "eks:index:ManagedNodeGroup", "aws:eks/fargateProfile:FargateProfile")


def test_api_mode_with_every_kind_of_capacity_needs_no_kubernetes_api():
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts: aws-auth only when the mode supports the
    ConfigMap; the VPC CNI, CoreDNS and kube-proxy as EKS add-ons; storage classes only when asked."""
    plan = plan_stack(settings())
    assert plan["kubernetesApi"] == {"needed": False, "reasons": [], "path": "none-needed"}
    assert any(f.startswith("needs the Kubernetes API: no") and "--bootstrap never" in f for f in plan["findings"])


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_config_map_modes_need_it_for_aws_auth_and_say_which_resources(mode):
    plan = plan_stack(settings(accessConfig={"authenticationMode": mode}), ("private",))
    reasons = plan["kubernetesApi"]["reasons"]
    assert plan["kubernetesApi"]["needed"] is True
    assert f"eks:index:Cluster test-cluster-cluster-eks: pulumi-eks writes the aws-auth ConfigMap in {mode} mode" \
        in reasons[0]
    node_groups = [r for r in reasons if "node role goes into the aws-auth" in r]
    assert len(node_groups) == (2 if mode == "CONFIG_MAP" else 0)  # API_AND_CONFIG_MAP: access entries
    assert any(f.startswith("needs the Kubernetes API: yes — eks:index:Cluster") for f in plan["findings"])


def test_a_kubernetes_resource_an_embedding_program_adds_needs_it():
    s = settings()

    def program():
        out = build(s, "private")
        pulumi.CustomResource("kubernetes:core/v1:ServiceAccount", "app-sa", {"metadata": {"name": "app"}})
        return out

    run = run_program(s, "private", program)
    resources = [{"type": r.type, "name": r.name, "inputs": r.inputs} for r in run.registrations]
    needs = kubernetes_api_needs(resources, authentication_mode="API")
    assert [str(n) for n in needs] == [
        "kubernetes:core/v1:ServiceAccount app-sa: a Kubernetes resource, written through the Kubernetes API"]


def test_unchanged_resources_and_cluster_updates_need_nothing_in_a_preview():
    """A real preview shows pulumi-eks's own Kubernetes children; an update of the cluster in a
    ConfigMap mode needs the API only when such a child (aws-auth) changes with it."""
    changes = [{"op": "same", "type": "kubernetes:core/v1:ConfigMap", "name": "aws-auth"},
               {"op": "update", "type": "eks:index:Cluster", "name": "c"}]
    assert kubernetes_api_needs(changes, authentication_mode="API_AND_CONFIG_MAP") == []
    changes.append({"op": "update", "type": "kubernetes:core/v1:ConfigMap", "name": "c-nodeAccess"})
    assert len(kubernetes_api_needs(changes, authentication_mode="API_AND_CONFIG_MAP")) == 1


def test_storage_classes_and_a_privileged_vpc_cni_need_it_in_any_mode():
    needs = kubernetes_api_needs([{"type": "eks:index:Cluster", "name": "c", "inputs": {
        "authenticationMode": "API", "storageClasses": "gp3", "vpcCniOptions": {"securityContextPrivileged": True}}}],
        authentication_mode="API")
    assert [n.why for n in needs] == ["pulumi-eks creates the storage classes", "pulumi-eks patches the aws-node DaemonSet"]


# -------------------------------------------------------------------------- dependency edges


@pytest.fixture(scope="module")
def private_resources():
    s = settings(BASE)
    return {r["name"]: r for r in plan_stack(s, ("private",))["passes"][0]["resources"]}


def endpoint_names(resources):
    return {n for n, r in resources.items() if r["type"] in ENDPOINT_TYPES and r["parent"] == "test-cluster-endpoints"}


def test_the_control_plane_does_not_wait_for_the_endpoints(private_resources):
    cluster = private_resources["test-cluster-cluster-eks"]
    assert endpoint_names(private_resources)
    assert not set(cluster["dependsOn"]) & endpoint_names(private_resources)


def test_nodes_and_fargate_pods_wait_for_the_cluster_the_endpoints_and_their_role_policies(private_resources):
    capacity = [r for r in private_resources.values() if r["type"] in CAPACITY_TYPES]
    assert len(capacity) == 3
    for r in capacity:
        deps = set(r["dependsOn"])
        assert "test-cluster-cluster-eks" in deps, r["name"]
        assert endpoint_names(private_resources) <= deps, r["name"]
        attachments = {n for n, x in private_resources.items()
                       if x["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and n in deps}
        assert attachments, f"{r['name']} must wait for its role's policies"
