"""Every physical name the program makes fits its type's limit, for the longest valid names.

A name given explicitly is checked as given; a ``namePrefix`` gets the Terraform provider's 26
unique characters (terraform-provider-aws internal/create/naming.go, id.UniqueIDSuffixLength); an
unnamed resource gets pulumi-aws's auto-name, its resource name plus ``-`` and 7 random characters.
pulumi-eks's components are single registrations in the offline plan, so their children are
derived from pulumi-eks's source (the table below) and named as transforms rename them.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

import pytest

from automation.plan import plan_stack
from components import names
from components.settings import CLUSTER_NAME_MAX, NODE_GROUP_NAME_MAX
from tests.components.helpers import BASE, EXISTING, settings

PREFIX_SUFFIX = 26
ROLE, SG, LT, ASG = (names.ROLE, names.SECURITY_GROUP, names.LAUNCH_TEMPLATE, "aws:autoscaling/group:Group")
Inputs = dict[str, Any]
# pulumi-eks's children that take auto-names, by component, for the inputs this program gives:
# (type, name suffix, whether it is made).
CHILDREN: dict[str, list[tuple[str, str, Callable[[Inputs], bool]]]] = {
    "eks:index:Cluster": [
        # nodejs/eks/cluster/cluster.ts: `new ServiceRole(`${name}-eksRole`` unless serviceRole (servicerole.ts
        # names its role `${name}-role`); `${name}-eksClusterSecurityGroup` and createNodeGroupSecurityGroup's
        # `${name}-nodeSecurityGroup` (nodes/securitygroup.ts) unless Auto Mode; `${name}-nodeRole` in Auto Mode.
        (ROLE, "-eksRole-role", lambda i: "serviceRole" not in i),
        (SG, "-eksClusterSecurityGroup", lambda i: not i.get("autoMode", {}).get("enabled")),
        (SG, "-nodeSecurityGroup", lambda i: not i.get("autoMode", {}).get("enabled")),
        (ROLE, "-nodeRole-role", lambda i: bool(i.get("autoMode", {}).get("createNodeRole"))),
    ],
    # nodejs/eks/nodes/nodegroup.ts createNodeGroupV2: `${name}-launchTemplate`, the Auto Scaling group
    # `name`, and `${name}-nodeSecurityGroup` (no nodeSecurityGroup given).
    "eks:index:NodeGroupV2": [(LT, "-launchTemplate", lambda i: True), (ASG, "", lambda i: True),
                              (SG, "-nodeSecurityGroup", lambda i: True)],
    # nodegroup.ts createMNGCustomLaunchTemplate: `${name}-launchTemplate` (IMDSv2 always asks for it).
    "eks:index:ManagedNodeGroup": [(LT, "-launchTemplate", lambda i: "launchTemplate" not in i)],
}


def physical(typ: str, resource_name: str, inputs: Inputs) -> str:
    key = names.NAME_INPUTS.get(typ, "name")
    if inputs.get(key):
        return str(inputs[key])
    if inputs.get(f"{key}Prefix"):
        return str(inputs[f"{key}Prefix"]) + "x" * PREFIX_SUFFIX
    return resource_name + "-" + "x" * (names.AUTO_NAME_SUFFIX - 1)


def generated_names(resources: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """(type, resource, physical name) of every named resource and pulumi-eks child in a plan pass."""
    for r in resources:
        if r["type"] in names.NAME_LIMITS:
            yield r["type"], r["name"], physical(r["type"], r["name"], r["inputs"])
        for typ, suffix, made in CHILDREN.get(r["type"], []):
            if not made(r["inputs"]):
                continue
            child = r["name"] + suffix
            given = r.get("childInputs", {})
            inputs = {**given.get(typ, {}), **given.get(f"{typ}::*{suffix}", {})} if suffix else given.get(typ, {})
            yield typ, child, physical(typ, child, inputs)


def long_stack(auto_mode: bool = False, existing: bool = False):
    doc = copy.deepcopy(EXISTING if existing else BASE)
    cluster = ("c" + "-long" * 40)[:CLUSTER_NAME_MAX]
    group = ("n" + "g" * 100)[:NODE_GROUP_NAME_MAX]
    doc["metadata"]["name"] = cluster
    doc["iam"] = {"withOIDC": True, "podIdentityAssociations": [{
        "namespace": "kube-system", "serviceAccountName": "aws-load-balancer-controller",
        "permissionPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}],
        "serviceAccounts": [{"metadata": {"name": "s" * 60, "namespace": "n" * 60},
                             "attachPolicy": {"Version": "2012-10-17", "Statement": [
                                 {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}
    doc["accessConfig"] = {"authenticationMode": "API"}
    doc["cloudWatch"] = {"clusterLogging": {"enableTypes": ["api"], "logRetentionInDays": 7}}
    doc["addons"] = [{"name": "vpc-cni", "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]},
                     {"name": "coredns"}, {"name": "eks-pod-identity-agent"}]
    ssh = {"allow": True, "publicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2E2v+hBR3Aq3VK8NScLfIYtlr7KDHEBpUddujEEjQ8 ops@example"}
    if existing:
        doc["managedNodeGroups"] = [{"name": group, "instanceType": "m5.large", "ssh": ssh, "privateNetworking": True}]
    elif auto_mode:
        doc["autoModeConfig"] = {"enabled": True, "nodePools": ["general-purpose", "system"]}
        doc["nodeGroups"] = doc["managedNodeGroups"] = []
        doc["addons"] = [{"name": "eks-pod-identity-agent"}]
    else:
        doc["nodeGroups"] = [{"name": group, "instanceType": "m5.large", "ssh": ssh, "privateNetworking": True},
                             {"name": "x" + group[1:], "instanceType": "m5.large", "privateNetworking": True}]
        doc["managedNodeGroups"] = [{"name": "m" + group[1:], "instanceType": "m5.large", "ssh": ssh, "privateNetworking": True}]
        doc["fargateProfiles"] = [{"name": "f" * 60, "selectors": [{"namespace": "default"}]}]
    return settings(doc)


@pytest.mark.parametrize("kind", ["self-managed, managed and Fargate", "Auto Mode", "existing VPC"])
def test_every_generated_name_fits_its_types_limit(kind):
    """IAM roles ≤ 64 (terraform-provider-aws internal/service/iam/role.go, roleNameMaxLen), instance
    profiles ≤ 128 (iam/instance_profile.go), inline policies ≤ 128 (iam/role_policy.go), security
    groups ≤ 255 (ec2/vpc_security_group.go), launch templates ≤ 125 (verify ValidLaunchTemplateName),
    log groups ≤ 512, key pairs ≤ 255, Auto Scaling groups ≤ 255: components/names.py NAME_LIMITS.
    Cluster names are valid up to 100 characters and node group names up to 63 (the settings' limits),
    and pulumi-eks's service role ``<name>-eksRole-role`` alone overflows from a 32-character cluster name."""
    s = long_stack(auto_mode=kind == "Auto Mode", existing=kind == "existing VPC")
    resources = plan_stack(s, ("private",))["passes"][0]["resources"]
    found = list(generated_names(resources))
    assert {t for t, _, _ in found} >= {ROLE, SG} | ({LT} if kind != "Auto Mode" else set())
    too_long = [(t, r, n, len(n)) for t, r, n in found if len(n) > names.NAME_LIMITS[t]]
    assert too_long == []
    # Each explicit name is unique within its type (a digest keeps cut names apart).
    explicit = [(t, n) for t, _, n in found if not n.endswith("x" * 7)]
    assert len(explicit) == len(set(explicit))


def test_the_service_role_is_made_here_only_when_pulumi_ekss_would_not_fit():
    """pulumi-eks nodejs/eks/cluster/cluster.ts (createCore): with no serviceRole it makes
    ServiceRole `${name}-eksRole` (role `${name}-eksRole-role`, servicerole.ts) with AmazonEKSClusterPolicy;
    that role is kept when it fits (passing a role would change the cluster's roleArn: a new cluster)."""
    short = plan_stack(settings(), ("private",))["passes"][0]["resources"]
    (cluster,) = [r for r in short if r["type"] == "eks:index:Cluster"]
    assert "serviceRole" not in cluster["inputs"]
    long = plan_stack(long_stack(), ("private",))["passes"][0]["resources"]
    (cluster,) = [r for r in long if r["type"] == "eks:index:Cluster"]
    role = next(r for r in long if r["type"] == ROLE and r["name"] == cluster["inputs"]["serviceRole"])
    assert len(role["inputs"]["name"]) <= 64
    attached = [r["inputs"]["policyArn"] for r in long if r["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
                and r["inputs"]["role"] == role["inputs"]["name"]]
    assert attached == ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
    # The cluster waits for the policy, as pulumi-eks's waits for its role's (resolvedRole).
    assert set(cluster["dependsOn"]) >= {role["name"]}


def test_names_that_fit_stay_auto_named():
    """pulumi-aws auto-names a resource given no name; giving one later replaces the resource (the
    name is create-only), so a name that fits is left as it was."""
    resources = plan_stack(settings(), ("private",))["passes"][0]["resources"]
    roles = [r for r in resources if r["type"] == ROLE]
    assert roles and all("name" not in r["inputs"] for r in roles)


def test_bounded_names_cut_and_keep_apart():
    """A cut name ends in a digest of the whole name and the region: two long names sharing their
    head differ, and the same cluster name in two regions does not collide in IAM (global)."""
    a, b = "x" * 80 + "-a-role", "x" * 80 + "-b-role"
    assert names.physical_name("short-role", ROLE, "us-west-2") is None
    assert len(names.bounded(a, ROLE, "us-west-2")) == 64
    assert names.bounded(a, ROLE, "us-west-2") != names.bounded(b, ROLE, "us-west-2")
    assert names.bounded(a, ROLE, "us-west-2") != names.bounded(a, ROLE, "eu-west-1")


def test_a_given_role_name_over_iams_limit_is_refused_at_validate():
    """IAM CreateRole RoleName: 1-64 characters of [\\w+=,.@-] (terraform-provider-aws
    internal/service/iam/role.go roleNameMaxLen): a pod identity association's roleName is taken as
    given, so one that cannot fit is refused with its path."""
    from components.settings import SettingsError

    doc = copy.deepcopy(BASE)
    doc["addons"] = [{"name": "eks-pod-identity-agent"}]
    doc["iam"] = {"withOIDC": True, "podIdentityAssociations": [{
        "namespace": "apps", "serviceAccountName": "app", "roleName": "r" * 65,
        "permissionPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}]}
    with pytest.raises(SettingsError) as e:
        settings(doc)
    assert [p.path for p in e.value.problems] == ["iam.podIdentityAssociations[0].roleName"]
    doc["iam"]["podIdentityAssociations"][0]["roleName"] = "r" * 64
    settings(doc)
