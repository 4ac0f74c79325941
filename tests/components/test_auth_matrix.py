"""Every authentication mode with every kind of capacity, checked against pulumi-eks's and EKS's rules.

The mock runtime accepts any combination; pulumi-eks and EKS do not. The rules below are the real
systems', written out as checks over what the program registers:

- pulumi/pulumi-eks nodejs/eks/cluster/authenticationMode.ts (validateAuthenticationMode): with
  authenticationMode API, ``instanceRoles`` and ``roleMappings`` must be empty;
- the same file (supportsAccessEntries) and eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/validation.go
  ("accessConfig.authenticationMode must be set to either API_AND_CONFIG_MAP or API to use access
  entries"): no access entry in CONFIG_MAP mode;
- pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts (createManagedNodeGroupInternal): "A managed node
  group cannot be created without first setting its role in the cluster's instanceRoles" when the
  mode does not support access entries;
- pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts: aws-auth is written whole (patchForce) from
  instanceRoles and roleMappings when the mode supports the ConfigMap, so in CONFIG_MAP mode a
  Fargate pod execution role must be among the roleMappings or its pods are not authorised;
- in the access-entry modes EKS itself creates the EC2_LINUX entry of a managed node group's role
  and the FARGATE_LINUX entry of a pod execution role; a self-managed node's role needs an EC2_LINUX
  access entry created before its nodes boot.
"""

from __future__ import annotations

import pytest

from tests.components.helpers import run, settings

MODES = ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP")
ROLE = "aws:iam/role:Role"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"
CLUSTER = "eks:index:Cluster"
MANAGED = "eks:index:ManagedNodeGroup"
SELF_MANAGED = "eks:index:NodeGroupV2"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
FARGATE = "aws:eks/fargateProfile:FargateProfile"

NG = {"name": "ng1", "privateNetworking": True}
MNG = {"name": "mng1", "privateNetworking": True}
FP = {"name": "fp1", "selectors": [{"namespace": "default"}]}
CAPACITY = {
    "managed": {"managedNodeGroups": [MNG], "nodeGroups": None, "fargateProfiles": None},
    "self-managed": {"nodeGroups": [NG], "managedNodeGroups": None, "fargateProfiles": None},
    "fargate": {"fargateProfiles": [FP], "nodeGroups": None, "managedNodeGroups": None},
    "mixed": {"nodeGroups": [NG], "managedNodeGroups": [MNG, {**MNG, "name": "mng2"}], "fargateProfiles": [FP]},
}


class Graph:
    """The program's registrations, with references (ids, ARNs, names) resolved to role names."""

    def __init__(self, r):
        self.r = r
        self.cluster = r.one(CLUSTER).inputs
        self.roles = {}
        for role in r.by_type(ROLE):
            for key in (role.id, role.name, role.urn):
                self.roles[key] = role.name
        self.profiles = {p.id: p.inputs["role"] for p in r.by_type(PROFILE)}

    def role(self, ref: str) -> str:
        if ref in self.roles:
            return self.roles[ref]
        if ":role/" in ref:  # an ARN: the mocks name roles after the resource
            return ref.rsplit("/", 1)[-1]
        # an instance profile's role is given by the role's physical name (<resource name>-<suffix>)
        return next(name for name in set(self.roles.values()) if ref.startswith(name + "-"))

    @property
    def instance_roles(self) -> set[str]:
        return {self.role(x) for x in self.cluster.get("instanceRoles") or []}

    @property
    def mapped_roles(self) -> dict[str, dict]:
        return {self.role(m["roleArn"]): m for m in self.cluster.get("roleMappings") or []}

    def entries(self) -> dict[str, str]:
        return {self.role(e.inputs["principalArn"]): e.inputs["type"] for e in self.r.by_type(ACCESS_ENTRY)}

    def self_managed_roles(self) -> list[str]:
        return [self.role(self.profiles[ng.inputs["instanceProfile"]]) for ng in self.r.by_type(SELF_MANAGED)]

    def managed_roles(self) -> list[str]:
        return [self.role(m.inputs["nodeRole"]) for m in self.r.by_type(MANAGED)]

    def fargate_roles(self) -> list[str]:
        return [self.role(f.inputs["podExecutionRoleArn"]) for f in self.r.by_type(FARGATE)]


CASES = [(mode, kind) for mode in MODES for kind in CAPACITY]


@pytest.fixture(scope="module", params=CASES, ids=[f"{m}-{k}" for m, k in CASES])
def case(request):
    mode, kind = request.param
    s = settings(accessConfig={"authenticationMode": mode}, **CAPACITY[kind])
    return mode, kind, Graph(run(s))


def test_the_cluster_gets_the_configured_mode(case):
    mode, _, g = case
    assert g.cluster["authenticationMode"] == mode


def test_api_mode_sends_no_instance_roles_or_role_mappings(case):
    """pulumi-eks authenticationMode.ts: non-empty instanceRoles/roleMappings throw in API mode."""
    mode, _, g = case
    if mode == "API":
        assert not g.cluster.get("instanceRoles") and not g.cluster.get("roleMappings")


def test_config_map_mode_creates_no_access_entry(case):
    """EKS and eksctl validation.go: access entries need API or API_AND_CONFIG_MAP."""
    mode, _, g = case
    if mode == "CONFIG_MAP":
        assert g.entries() == {}


def test_managed_node_roles_are_instance_roles_when_there_are_no_access_entries(case):
    """pulumi-eks nodegroup.ts: a managed node group's role must be in the cluster's instanceRoles."""
    mode, _, g = case
    for role in g.managed_roles():
        if mode == "CONFIG_MAP":
            assert role in g.instance_roles
        else:
            assert role not in g.entries()  # EKS creates that entry itself; a second one would conflict


def test_self_managed_nodes_are_authorised_before_they_boot(case):
    mode, _, g = case
    for role in g.self_managed_roles():
        if mode == "CONFIG_MAP":
            assert role in g.instance_roles
        else:
            assert g.entries().get(role) == "EC2_LINUX"
    for ng in g.r.by_type(SELF_MANAGED):
        if mode != "CONFIG_MAP":
            entry_urns = {e.urn for e in g.r.by_type(ACCESS_ENTRY)}
            assert entry_urns & set(ng.dependencies), "the node group must wait for its access entry"


def test_fargate_pod_roles_are_mapped_in_aws_auth_only_in_config_map_mode(case):
    """pulumi-eks cluster.ts rewrites aws-auth whole: in CONFIG_MAP mode the pod execution role must
    be among the roleMappings with the identity EKS gives Fargate nodes."""
    mode, _, g = case
    for role in g.fargate_roles():
        if mode == "CONFIG_MAP":
            mapping = g.mapped_roles[role]
            assert mapping["username"] == "system:node:{{SessionName}}"
            assert mapping["groups"] == ["system:bootstrappers", "system:nodes", "system:node-proxier"]
        else:
            assert role not in g.mapped_roles and role not in g.entries()


def test_every_capacity_kind_is_present(case):
    _, kind, g = case
    counts = (len(g.self_managed_roles()), len(g.managed_roles()), len(g.fargate_roles()))
    assert counts == {"managed": (0, 1, 0), "self-managed": (1, 0, 0), "fargate": (0, 0, 1),
                      "mixed": (1, 2, 1)}[kind]
