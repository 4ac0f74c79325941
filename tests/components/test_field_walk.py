"""No setting without effect: every field of the settings models changes the offline plan, or is
on an explicit list of fields that only accept one value (the rest is refused with its path).

A new field fails ``test_every_settings_field_is_walked`` until it is given a variant here, and the
variant must then change the plan — a validated field that never reaches AWS cannot slip in.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from automation.plan import diff_plans, plan_stack
from components.settings import AddonPolicies, SettingsError, WellKnownPolicies, field_paths, settings_from_document

ACCOUNT = "111122223333"
ADDON_POLICY_FLAGS = [f.alias for f in AddonPolicies.model_fields.values()]
WELL_KNOWN_FLAGS = [f.alias for f in WellKnownPolicies.model_fields.values()]
VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
NG = {"name": "ng1", "instanceType": "m5.large", "desiredCapacity": 2, "minSize": 1, "maxSize": 3,
      "volumeSize": 50, "labels": {"role": "sys"}, "tags": {"cost": "a"}, "privateNetworking": True,
      "taints": [{"key": "dedicated", "value": "sys", "effect": "NoSchedule"}],
      "amiFamily": "AmazonLinux2023", "volumeType": "gp3", "volumeEncrypted": True,
      "iam": {"withAddonPolicies": {"imageBuilder": False, "cloudWatch": False, "ebs": False},
              "instanceRolePermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary"},
      "disableIMDSv1": True, "ssh": {"publicKeyName": "ops", "allow": False},
      "securityGroups": {"attachIDs": ["sg-0123456789abcdef0"]}}
SELF_MANAGED = {**copy.deepcopy(NG), "instanceName": "worker", "targetGroupARNs": [
    f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}:targetgroup/tg-1/0123456789abcdef"],
    "asgMetricsCollection": [{"granularity": "1Minute", "metrics": ["GroupMinSize", "GroupMaxSize"]}],
    "classicLoadBalancerNames": ["internal-lb"]}
MANAGED = {**copy.deepcopy(NG), "name": "mng1", "spot": False, "updateConfig": {"maxUnavailable": 1},
           "nodeRepairConfig": {"enabled": True, "maxUnhealthyNodeThresholdPercentage": 20,
                                "maxParallelNodesRepairedCount": 1,
                                "nodeRepairConfigOverrides": [{"nodeMonitoringCondition": "NetworkNotReady",
                                                               "nodeUnhealthyReason": "InterfaceNotUp",
                                                               "minRepairWaitTimeMins": 15, "repairAction": "Restart"}]}}
NEW_VPC: dict[str, Any] = {
    "metadata": {"name": "walk", "version": "1.33", "tags": {"team": "platform"}},
    "privateCluster": {"enabled": True, "additionalEndpointServices": ["autoscaling"]},
    "availabilityZones": ["us-west-2a", "us-west-2b", "us-west-2c"],
    "vpc": {"cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"],
            "subnets": {"private": {"one": {"cidr": "10.0.0.0/19", "az": "us-west-2a"},
                                    "us-west-2b": {"cidr": "10.0.32.0/19"},
                                    "us-west-2c": {"cidr": "10.0.64.0/19"}}},
            "hostnameType": "ip-name"},
    "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True,
                     "accessEntries": [
                         {"principalARN": f"arn:aws:iam::{ACCOUNT}:role/viewer", "type": "STANDARD",
                          "kubernetesGroups": ["viewers"], "kubernetesUsername": "viewer",
                          "accessPolicies": [{"policyARN": VIEW_POLICY,
                                              "accessScope": {"type": "namespace", "namespaces": ["default"]}}]}]},
    "iam": {"withOIDC": True, "serviceRolePermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
            "fargatePodExecutionRolePermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
            "podIdentityAssociations": [
        {"namespace": "default", "serviceAccountName": "reader", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/reader",
         "targetRoleARN": f"arn:aws:iam::{ACCOUNT}:role/target", "disableSessionTags": False, "tags": {"app": "r"}},
        {"namespace": "apps", "serviceAccountName": "writer", "roleName": "writer-role",
         "permissionPolicyARNs": [f"arn:aws:iam::{ACCOUNT}:policy/write"],
         "permissionsBoundaryARN": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
         "permissionPolicy": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}]}}],
        "serviceAccounts": [
            {"metadata": {"name": "s3-reader", "namespace": "backend", "labels": {"app": "r"}, "annotations": {"a": "b"}},
             "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
             "attachPolicy": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": "*"}]},
             "wellKnownPolicies": {"imageBuilder": False, "ebsCSIController": False},
             "roleName": "s3-reader-irsa", "roleOnly": False,
             "permissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary", "tags": {"app": "r"}},
            {"metadata": {"name": "app"}, "attachRoleARN": f"arn:aws:iam::{ACCOUNT}:role/app"}]},
    "cloudWatch": {"clusterLogging": {"enableTypes": ["api", "audit"], "logRetentionInDays": 30}},
    "secretsEncryption": {"keyARN": f"arn:aws:kms:us-west-2:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"},
    "kubernetesNetworkConfig": {"serviceIPv4CIDR": "172.20.0.0/16"},
    "upgradePolicy": {"supportType": "STANDARD"},
    "zonalShiftConfig": {"enabled": False},
    "controlPlaneScalingConfig": {"tier": "standard"},
    "identityProviders": [{"name": "idp", "type": "oidc", "issuerURL": "https://issuer.example.com", "clientID": "c",
                           "usernameClaim": "email", "usernamePrefix": "u:", "groupsClaim": "groups",
                           "groupsPrefix": "g:", "requiredClaims": {"hd": "example.com"}, "tags": {"idp": "a"}}],
    "addons": [
        {"name": "vpc-cni", "version": "v1.19.0-eksbuild.1", "resolveConflicts": "overwrite",
         "configurationValues": '{"env": {"ENABLE_PREFIX_DELEGATION": "true"}}',
         "serviceAccountRoleARN": f"arn:aws:iam::{ACCOUNT}:role/cni"},
        {"name": "eks-pod-identity-agent", "tags": {"team": "eks"}},
        {"name": "aws-ebs-csi-driver", "version": "latest",
         "podIdentityAssociations": [{"serviceAccountName": "ebs-csi-controller-sa",
                                      "roleARN": f"arn:aws:iam::{ACCOUNT}:role/ebs"}]},
    ],
    "nodeGroups": [SELF_MANAGED],
    "managedNodeGroups": [MANAGED],
    "fargateProfiles": [{"name": "fp1", "tags": {"cost": "a"},
                         "selectors": [{"namespace": "default", "labels": {"fargate": "yes"}}]}],
}
EXISTING_VPC: dict[str, Any] = {
    "metadata": {"name": "walk"},
    "vpc": {"id": "vpc-0123456789abcdef0", "publicAccessCIDRs": ["203.0.113.7/32"],
            "subnets": {"private": {"us-west-2a": {"id": "subnet-aaaa"}, "us-west-2b": {"id": "subnet-bbbb"}}}},
    "managedNodeGroups": [{"name": "mng1", "privateNetworking": True}],
}
# A new VPC whose subnets are carved from the VPC CIDR in the listed AZs.
CARVED = {**NEW_VPC, "vpc": {"cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"]}}
# aws-auth mappings (a ConfigMap mode), one repeated identically under noDuplicateARNs (sent once).
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/admin"
AWS_AUTH: dict[str, Any] = {**EXISTING_VPC, "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
                            "iamIdentityMappings": [
                                {"arn": ADMIN, "username": "admin", "groups": ["system:masters"], "noDuplicateARNs": True},
                                {"arn": ADMIN, "username": "admin", "groups": ["system:masters"], "noDuplicateARNs": True}]}
# EKS Auto Mode with one built-in pool and a given node role.
AUTO_MODE: dict[str, Any] = {**EXISTING_VPC, "autoModeConfig": {
    "enabled": True, "nodePools": ["system"], "nodeRoleARN": f"arn:aws:iam::{ACCOUNT}:role/auto-nodes"}}
# EKS Capabilities: a made role (ACK), a given one (KRO), and Argo CD with every option.
CAPABILITIES: dict[str, Any] = {**EXISTING_VPC, "capabilities": [
    {"name": "ack", "type": "ACK", "deletePropagationPolicy": "RETAIN", "tags": {"team": "a"},
     "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
     "attachPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"}]},
     "permissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
     "accessPolicies": [{"policyARN": VIEW_POLICY, "accessScope": {"type": "namespace", "namespaces": ["apps"]}}]},
    {"name": "kro", "type": "KRO", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/kro"},
    {"name": "argocd", "type": "ARGOCD", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/argocd", "configuration": {"argocd": {
        "namespace": "argocd",
        "awsIdc": {"idcInstanceArn": "arn:aws:sso:::instance/ssoins-1234567890abcdef", "idcRegion": "us-west-2"},
        "networkAccess": {"vpceIds": ["vpce-1234567890abcdef0"]},
        "rbacRoleMappings": [{"role": "ADMIN", "identities": [{"id": "u-1", "type": "SSO_USER"}]}]}}},
]}
# Bottlerocket groups with their settings, and a managed group on its own launch template
# (components/nodes/user_data.py): their fields are walked from these, one field at a time.
BOTTLEROCKET: dict[str, Any] = {**NEW_VPC, **{kind: [{
    **copy.deepcopy(NEW_VPC[kind][0]), "amiFamily": "Bottlerocket",
    "bottlerocket": {"enableAdminContainer": False, "settings": {"motd": "a"}}}] for kind in ("nodeGroups", "managedNodeGroups")}}
TEMPLATE: dict[str, Any] = {**NEW_VPC, "managedNodeGroups": [
    {"name": "mng1", "privateNetworking": True, "launchTemplate": {"id": "lt-0123456789abcdef0", "version": "2"}}]}
# A self-managed group of mixed instance types, spot and on-demand (components/nodes/mixed_instances.py).
DISTRIBUTION: dict[str, Any] = {
    "instanceTypes": ["m5.large", "m5a.large"], "maxPrice": 0.05, "onDemandBaseCapacity": 0,
    "onDemandPercentageAboveBaseCapacity": 50, "spotInstancePools": 2, "spotAllocationStrategy": "lowest-price",
    "capacityRebalance": True}
MIXED: dict[str, Any] = {**NEW_VPC, "nodeGroups": [
    {**copy.deepcopy(SELF_MANAGED), "instanceType": "mixed", "instancesDistribution": DISTRIBUTION}]}
# SSH open on both groups (components/nodes/ssh.py), for the fields that only act with allow: true.
SSH_OPEN: dict[str, Any] = {**NEW_VPC, **{kind: [{**copy.deepcopy(NEW_VPC[kind][0]),
                                                   "ssh": {"publicKeyName": "ops", "allow": True}}]
                                         for kind in ("nodeGroups", "managedNodeGroups")}}
# An OpenSSH public key (ssh-keygen -t ed25519) for ssh.publicKey.
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2E2v+hBR3Aq3VK8NScLfIYtlr7KDHEBpUddujEEjQ8 ops@example"
# Karpenter's AWS side (components/karpenter.py) and two pull-through cache rules, one with credentials
# (components/images.py), on the existing VPC's AL2023 managed group.
SECRET = f"arn:aws:secretsmanager:us-west-2:{ACCOUNT}:secret:ecr-pullthroughcache/azure-AbCdEf"
KARPENTER: dict[str, Any] = {**EXISTING_VPC, "addons": [{"name": "eks-pod-identity-agent"}],
                             "karpenter": {"version": "1.8.1", "createServiceAccount": True,
                                           "withSpotInterruptionQueue": False},
                             "privateCluster": {"pullThroughCache": [
                                 {"upstream": "quay"},
                                 {"upstream": "azure", "upstreamURL": "example.azurecr.io", "credentialARN": SECRET}]}}
# The Kubernetes API relay on (components/relay/function.py), for the fields that only act with it.
# No ServiceAccounts to write, so that any access policy is valid (components/settings/relay.py).
RELAY: dict[str, Any] = {**NEW_VPC, "privateCluster": {**NEW_VPC["privateCluster"], "apiRelay": {"enabled": True}},
                         "iam": {**NEW_VPC["iam"], "serviceAccounts": []}}
BASES = {"karpenter": KARPENTER, "new": NEW_VPC, "relay": RELAY, "ssh": SSH_OPEN, "carved": CARVED, "existing": EXISTING_VPC,
         "auto": AUTO_MODE,
         "aws-auth": AWS_AUTH, "caps": CAPABILITIES, "bottlerocket": BOTTLEROCKET, "template": TEMPLATE, "mixed": MIXED}

Mutation = Callable[[dict[str, Any]], None]


def put(path: tuple, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        node = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        for m in mutations:
            m(doc)
    return mutate


def group_fields(kind: str) -> dict[str, Mutation]:
    g = (kind, 0)
    return {
        f"{kind}[].name": put(g + ("name",), "1-gpu-spot"),
        f"{kind}[].instanceType": put(g + ("instanceType",), "c5.xlarge"),
        f"{kind}[].desiredCapacity": put(g + ("desiredCapacity",), 3),
        f"{kind}[].minSize": put(g + ("minSize",), 2),
        f"{kind}[].maxSize": put(g + ("maxSize",), 5),
        f"{kind}[].volumeSize": put(g + ("volumeSize",), 120),
        f"{kind}[].labels": put(g + ("labels",), {"role": "apps"}),
        f"{kind}[].tags": put(g + ("tags",), {"cost": "b"}),
        f"{kind}[].taints[].key": put(g + ("taints", 0, "key"), "gpu"),
        f"{kind}[].taints[].value": put(g + ("taints", 0, "value"), "true"),
        f"{kind}[].taints[].effect": put(g + ("taints", 0, "effect"), "NoExecute"),
        f"{kind}[].amiFamily": put(g + ("amiFamily",), "Bottlerocket"),
        f"{kind}[].ami": put(g + ("ami",), "ami-0123456789abcdef0"),
        f"{kind}[].volumeType": put(g + ("volumeType",), "io2"),
        f"{kind}[].volumeIOPS": put(g + ("volumeIOPS",), 4000),
        f"{kind}[].volumeThroughput": put(g + ("volumeThroughput",), 250),
        f"{kind}[].volumeEncrypted": put(g + ("volumeEncrypted",), False),
        f"{kind}[].volumeKmsKeyID": put(g + ("volumeKmsKeyID",), f"arn:aws:kms:us-west-2:{ACCOUNT}:key/abc"),
        f"{kind}[].iam.attachPolicyARNs": put(g + ("iam", "attachPolicyARNs"), [
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", f"arn:aws:iam::{ACCOUNT}:policy/nodes"]),
        f"{kind}[].iam.instanceRoleARN": put(g + ("iam",), {"instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:role/nodes"}),
        **{f"{kind}[].iam.withAddonPolicies.{flag}": put(g + ("iam", "withAddonPolicies", flag), True)
           for flag in ADDON_POLICY_FLAGS},
        f"{kind}[].availabilityZones": put(g + ("availabilityZones",), ["us-west-2a", "us-west-2b"]),
        f"{kind}[].subnets": put(g + ("subnets",), ["one", "us-west-2c"]),
        f"{kind}[].ssh.publicKeyName": put(g + ("ssh", "publicKeyName"), "other"),
        f"{kind}[].ssh.publicKey": put(g + ("ssh",), {"publicKey": SSH_KEY, "allow": False}),
        f"{kind}[].securityGroups.attachIDs": put(g + ("securityGroups", "attachIDs"), ["sg-0fedcba9"]),
        f"{kind}[].iam.instanceRolePermissionsBoundary": put(g + ("iam", "instanceRolePermissionsBoundary"),
                                                             f"arn:aws:iam::{ACCOUNT}:policy/other"),
    }


NODE_CONFIG = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      shutdownGracePeriod: 30s\n"


def boot_fields(kind: str) -> dict[str, Mutation]:
    """The bootstrap fields (components/nodes/user_data.py); bottlerocket on a Bottlerocket group."""
    g = (kind, 0)
    return {
        f"{kind}[].maxPodsPerNode": put(g + ("maxPodsPerNode",), 58),
        f"{kind}[].preBootstrapCommands": put(g + ("preBootstrapCommands",), ["sysctl -w vm.max_map_count=262144"]),
        f"{kind}[].overrideBootstrapCommand": put(g + ("overrideBootstrapCommand",), NODE_CONFIG),
    }


def distribution(**changes: Any) -> Mutation:
    """MIXED's distribution with ``changes`` (None: the key left out)."""
    d = {k: v for k, v in {**DISTRIBUTION, **changes}.items() if v is not None}
    return put(("nodeGroups", 0, "instancesDistribution"), d)


def bottlerocket_fields(kind: str) -> dict[str, Mutation]:
    g = (kind, 0, "bottlerocket")
    return {f"{kind}[].bottlerocket.enableAdminContainer": put(g + ("enableAdminContainer",), True),
            f"{kind}[].bottlerocket.settings": put(g + ("settings",), {"motd": "b"})}


# path -> (base, mutation, phases whose plan must change)
VARIANTS: dict[str, tuple[str, Mutation, tuple[str, ...]]] = {
    "metadata.name": ("new", put(("metadata", "name"), "other"), ("private",)),
    "metadata.version": ("new", put(("metadata", "version"), "1.32"), ("private",)),
    "metadata.tags": ("new", put(("metadata", "tags"), {"team": "apps"}), ("private",)),
    "metadata.forceUpdateVersion": ("new", put(("metadata", "forceUpdateVersion"), True), ("private",)),
    "deletionProtection": ("new", put(("deletionProtection",), True), ("private",)),
    "managedNodeGroups[].releaseVersion": (
        "new", put(("managedNodeGroups", 0, "releaseVersion"), "1.33.0-20250704"), ("private",)),
    "managedNodeGroups[].forceUpdateVersion": (
        "new", put(("managedNodeGroups", 0, "forceUpdateVersion"), True), ("private",)),
    "privateCluster.skipEndpointCreation": (
        "new", both(put(("privateCluster", "additionalEndpointServices"), []),
                    put(("privateCluster", "skipEndpointCreation"), True)), ("private",)),
    "privateCluster.additionalEndpointServices": (
        "new", put(("privateCluster", "additionalEndpointServices"), ["autoscaling", "ssm"]), ("private",)),
    "privateCluster.existingEndpointServices": (
        "existing", put(("privateCluster",), {"existingEndpointServices": ["ecr.api", "s3"]}), ("private",)),
    "privateCluster.endpointPolicies": (
        "new", put(("privateCluster", "endpointPolicies"), {"autoscaling": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "autoscaling:*", "Resource": "*"}]}}), ("private",)),
    "privateCluster.s3EndpointBuckets": (
        "new", put(("privateCluster", "s3EndpointBuckets"), ["walk-artifacts"]), ("private",)),
    "privateCluster.apiRelay.enabled": ("new", put(("privateCluster", "apiRelay"), {"enabled": True}), ("private",)),
    "privateCluster.apiRelay.accessPolicy": (
        "relay", put(("privateCluster", "apiRelay", "accessPolicy"), "AmazonEKSViewPolicy"), ("private",)),
    "privateCluster.apiRelay.logRetentionInDays": (
        "relay", put(("privateCluster", "apiRelay", "logRetentionInDays"), 7), ("private",)),
    "availabilityZones": ("carved", put(("availabilityZones",), ["us-west-2a", "us-west-2b"]), ("private",)),
    "vpc.id": ("existing", put(("vpc", "id"), "vpc-0fedcba9876543210"), ("private",)),
    "vpc.cidr": ("carved", put(("vpc", "cidr"), "10.8.0.0/16"), ("private",)),
    "vpc.subnets.private.<name>.id": ("existing", put(("vpc", "subnets", "private", "us-west-2b", "id"), "subnet-cccc"),
                                      ("private",)),
    "vpc.subnets.private.<name>.cidr": ("new", put(("vpc", "subnets", "private", "us-west-2c", "cidr"), "10.0.96.0/19"),
                                        ("private",)),
    "vpc.subnets.private.<name>.az": ("new", both(put(("availabilityZones",), ["us-west-2b", "us-west-2c", "us-west-2d"]),
                                                  put(("vpc", "subnets", "private", "one", "az"), "us-west-2d")),
                                      ("private",)),
    "vpc.publicAccessCIDRs": ("new", put(("vpc", "publicAccessCIDRs"), ["198.51.100.0/24"]), ("bootstrap",)),
    "accessConfig.authenticationMode": ("new", put(("accessConfig", "authenticationMode"), "API_AND_CONFIG_MAP"),
                                        ("private",)),
    "accessConfig.bootstrapClusterCreatorAdminPermissions": (
        "new", put(("accessConfig", "bootstrapClusterCreatorAdminPermissions"), False), ("private",)),
    # On a base without service accounts: IRSA needs the OIDC provider, so "new" cannot turn it off.
    "iam.withOIDC": ("existing", put(("iam",), {"withOIDC": True}), ("private",)),
    **{f"iam.{k}": ("new", put(("iam", k), f"arn:aws:iam::{ACCOUNT}:policy/other"), ("private",))
       for k in ("serviceRolePermissionsBoundary", "fargatePodExecutionRolePermissionsBoundary")},
    "autoModeConfig.permissionsBoundaryARN": (
        "auto", both(put(("autoModeConfig", "nodeRoleARN"), None),
                     put(("autoModeConfig", "permissionsBoundaryARN"), f"arn:aws:iam::{ACCOUNT}:policy/boundary")),
        ("private",)),
    "cloudWatch.clusterLogging.enableTypes": ("new", put(("cloudWatch", "clusterLogging", "enableTypes"), ["api"]),
                                              ("private",)),
    "cloudWatch.clusterLogging.logRetentionInDays": (
        "new", put(("cloudWatch", "clusterLogging", "logRetentionInDays"), 90), ("private",)),
    "secretsEncryption.keyARN": ("new", put(("secretsEncryption", "keyARN"),
                                            f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/eks-secrets"), ("private",)),
    "kubernetesNetworkConfig.serviceIPv4CIDR": ("new", put(("kubernetesNetworkConfig", "serviceIPv4CIDR"),
                                                           "10.100.0.0/16"), ("private",)),
    "upgradePolicy.supportType": ("new", put(("upgradePolicy", "supportType"), "EXTENDED"), ("private",)),
    "zonalShiftConfig.enabled": ("new", put(("zonalShiftConfig", "enabled"), True), ("private",)),
    **{f"accessConfig.accessEntries[].{k}": ("new", put(("accessConfig", "accessEntries", 0) + path, v), ("private",))
       for k, path, v in (
           ("principalARN", ("principalARN",), f"arn:aws:iam::{ACCOUNT}:user/someone"),
           ("type", ("type",), "EC2"),
           ("kubernetesGroups", ("kubernetesGroups",), ["editors"]),
           ("kubernetesUsername", ("kubernetesUsername",), "someone"),
           ("accessPolicies[].policyARN", ("accessPolicies", 0, "policyARN"),
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"),
           ("accessPolicies[].accessScope.namespaces", ("accessPolicies", 0, "accessScope", "namespaces"), ["apps"]))},
    "accessConfig.accessEntries[].accessPolicies[].accessScope.type": (
        "new", put(("accessConfig", "accessEntries", 0, "accessPolicies", 0, "accessScope"), {"type": "cluster"}),
        ("private",)),
    **{f"iam.podIdentityAssociations[].{k}": ("new", put(("iam", "podIdentityAssociations", i, k), v), ("private",))
       for i, k, v in (
           (0, "namespace", "kube-system"), (0, "serviceAccountName", "other"),
           (0, "roleARN", f"arn:aws:iam::{ACCOUNT}:role/other"),
           (0, "targetRoleARN", "arn:aws:iam::444455556666:role/b"), (0, "disableSessionTags", True),
           (0, "tags", {"app": "other"}), (1, "roleName", "other-role"),
           (1, "permissionPolicyARNs", [f"arn:aws:iam::{ACCOUNT}:policy/other"]),
           (1, "permissionsBoundaryARN", f"arn:aws:iam::{ACCOUNT}:policy/other-boundary"),
           (1, "permissionPolicy", {"Version": "2012-10-17", "Statement": [
               {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}))},
    **{f"iam.serviceAccounts[].{k}": ("new", put(("iam", "serviceAccounts", 0) + path, v), ("private",))
       for k, path, v in (
           ("metadata.name", ("metadata", "name"), "s3-writer"),
           ("metadata.namespace", ("metadata", "namespace"), "apps"),
           ("metadata.labels", ("metadata", "labels"), {"app": "w"}),
           ("metadata.annotations", ("metadata", "annotations"), {}),
           ("attachPolicyARNs", ("attachPolicyARNs",), [f"arn:aws:iam::{ACCOUNT}:policy/other"]),
           ("attachPolicy", ("attachPolicy",), {}),
           *((f"wellKnownPolicies.{flag}", ("wellKnownPolicies", flag), True) for flag in WELL_KNOWN_FLAGS),
           ("roleName", ("roleName",), "other-irsa"),
           ("roleOnly", ("roleOnly",), True),
           ("permissionsBoundary", ("permissionsBoundary",), f"arn:aws:iam::{ACCOUNT}:policy/other-boundary"),
           ("tags", ("tags",), {"app": "w"}),
           ("subjectPattern", ("subjectPattern",), "s3-*"))},
    "iam.serviceAccounts[].attachRoleARN": ("new", put(("iam", "serviceAccounts", 1, "attachRoleARN"),
                                                       f"arn:aws:iam::{ACCOUNT}:role/other-app"), ("private",)),
    "iam.podIdentityAssociations[].createServiceAccount": (
        "new", put(("iam", "podIdentityAssociations", 0, "createServiceAccount"), True), ("private",)),
    **{f"iam.podIdentityAssociations[].wellKnownPolicies.{flag}": (
        "new", put(("iam", "podIdentityAssociations", 1, "wellKnownPolicies"), {flag: True}), ("private",))
       for flag in WELL_KNOWN_FLAGS},
    **{f"addons[].wellKnownPolicies.{flag}": (
        "new", put(("addons", 0), {"name": "vpc-cni", "wellKnownPolicies": {flag: True}}), ("private",))
       for flag in WELL_KNOWN_FLAGS},
    "addons[].attachPolicyARNs": ("new", put(("addons", 0), {"name": "vpc-cni", "attachPolicyARNs": [
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]}), ("private",)),
    "addons[].attachPolicy": ("new", put(("addons", 0), {"name": "vpc-cni", "attachPolicy": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeTags"], "Resource": "*"}]}}),
        ("private",)),
    "iamIdentityMappings[].arn": ("aws-auth", put(("iamIdentityMappings", 1, "arn"), f"arn:aws:iam::{ACCOUNT}:user/u"),
                                  ("private",)),
    **{f"iamIdentityMappings[].{k}": ("aws-auth", both(put(("iamIdentityMappings", 0, k), v),
                                                       put(("iamIdentityMappings", 1, k), v)), ("private",))
       for k, v in (("username", "root"), ("groups", ["viewers"]))},
    "iamIdentityMappings[].noDuplicateARNs": ("aws-auth", both(put(("iamIdentityMappings", 0, "noDuplicateARNs"), False),
                                                               put(("iamIdentityMappings", 1, "noDuplicateARNs"), False)),
                                              ("private",)),
    "addons[].name": ("new", put(("addons", 2, "name"), "aws-efs-csi-driver"), ("private",)),
    "addons[].version": ("new", put(("addons", 0, "version"), "latest"), ("private",)),
    "addons[].configurationValues": ("new", put(("addons", 0, "configurationValues"), "env: {WARM_IP_TARGET: '5'}"),
                                     ("private",)),
    "addons[].serviceAccountRoleARN": ("new", put(("addons", 0, "serviceAccountRoleARN"),
                                                  f"arn:aws:iam::{ACCOUNT}:role/cni2"), ("private",)),
    "addons[].resolveConflicts": ("new", put(("addons", 0, "resolveConflicts"), "preserve"), ("private",)),
    "addons[].tags": ("new", put(("addons", 1, "tags"), {"team": "other"}), ("private",)),
    "addons[].podIdentityAssociations[].serviceAccountName": (
        "new", put(("addons", 2, "podIdentityAssociations", 0, "serviceAccountName"), "other-sa"), ("private",)),
    "addons[].podIdentityAssociations[].roleARN": (
        "new", put(("addons", 2, "podIdentityAssociations", 0, "roleARN"), f"arn:aws:iam::{ACCOUNT}:role/ebs2"),
        ("private",)),
    "autoModeConfig.enabled": ("existing", put(("autoModeConfig",), {"enabled": True}), ("private",)),
    "autoModeConfig.nodePools": ("auto", put(("autoModeConfig", "nodePools"), ["general-purpose", "system"]),
                                 ("private",)),
    "autoModeConfig.nodeRoleARN": ("auto", put(("autoModeConfig", "nodeRoleARN"), f"arn:aws:iam::{ACCOUNT}:role/n2"),
                                   ("private",)),
    **{k: ("new", m, ("private",)) for k, m in group_fields("nodeGroups").items()},
    **{k: ("new", m, ("private",)) for k, m in group_fields("managedNodeGroups").items()},
    **{k: ("new", m, ("private",)) for kind in ("nodeGroups", "managedNodeGroups") for k, m in boot_fields(kind).items()},
    **{k: ("bottlerocket", m, ("private",)) for kind in ("nodeGroups", "managedNodeGroups")
       for k, m in bottlerocket_fields(kind).items()},
    "nodeGroups[].kubeletExtraConfig": ("new", put(("nodeGroups", 0, "kubeletExtraConfig"), {"kubeReserved": {"cpu": "300m"}}),
                                        ("private",)),
    "managedNodeGroups[].launchTemplate.id": ("template", put(("managedNodeGroups", 0, "launchTemplate", "id"),
                                                              "lt-0fedcba9876543210"), ("private",)),
    "managedNodeGroups[].launchTemplate.version": ("template", put(("managedNodeGroups", 0, "launchTemplate", "version"),
                                                                   "3"), ("private",)),
    "managedNodeGroups[].instanceTypes": (
        "new", both(put(("managedNodeGroups", 0, "instanceType"), None),
                    put(("managedNodeGroups", 0, "instanceTypes"), ["m5.large", "m5a.large"])), ("private",)),
    "managedNodeGroups[].spot": ("new", put(("managedNodeGroups", 0, "spot"), True), ("private",)),
    "managedNodeGroups[].updateConfig.maxUnavailable": (
        "new", put(("managedNodeGroups", 0, "updateConfig", "maxUnavailable"), 2), ("private",)),
    "managedNodeGroups[].updateConfig.maxUnavailablePercentage": (
        "new", put(("managedNodeGroups", 0, "updateConfig"), {"maxUnavailablePercentage": 25}), ("private",)),
    **{f"managedNodeGroups[].nodeRepairConfig.{k}": (
        "new", put(("managedNodeGroups", 0, "nodeRepairConfig") + path, v), ("private",)) for k, path, v in (
        ("enabled", (), {"enabled": False}),
        ("maxUnhealthyNodeThresholdPercentage", ("maxUnhealthyNodeThresholdPercentage",), 30),
        ("maxParallelNodesRepairedCount", ("maxParallelNodesRepairedCount",), 2),
        ("nodeRepairConfigOverrides[].nodeMonitoringCondition",
         ("nodeRepairConfigOverrides", 0, "nodeMonitoringCondition"), "AcceleratedInstanceNotReady"),
        ("nodeRepairConfigOverrides[].nodeUnhealthyReason",
         ("nodeRepairConfigOverrides", 0, "nodeUnhealthyReason"), "NvidiaXID13Error"),
        ("nodeRepairConfigOverrides[].minRepairWaitTimeMins", ("nodeRepairConfigOverrides", 0, "minRepairWaitTimeMins"), 5),
        ("nodeRepairConfigOverrides[].repairAction", ("nodeRepairConfigOverrides", 0, "repairAction"), "Terminate"))},
    "managedNodeGroups[].nodeRepairConfig.maxUnhealthyNodeThresholdCount": (
        "new", both(put(("managedNodeGroups", 0, "nodeRepairConfig", "maxUnhealthyNodeThresholdPercentage"), None),
                    put(("managedNodeGroups", 0, "nodeRepairConfig", "maxUnhealthyNodeThresholdCount"), 3)),
        ("private",)),
    "managedNodeGroups[].nodeRepairConfig.maxParallelNodesRepairedPercentage": (
        "new", both(put(("managedNodeGroups", 0, "nodeRepairConfig", "maxParallelNodesRepairedCount"), None),
                    put(("managedNodeGroups", 0, "nodeRepairConfig", "maxParallelNodesRepairedPercentage"), 15)),
        ("private",)),
    **{f"{kind}[].ssh.allow": ("new", put((kind, 0, "ssh", "allow"), True), ("private",))
       for kind in ("nodeGroups", "managedNodeGroups")},
    **{f"{kind}[].ssh.sourceSecurityGroupIds": ("ssh", put((kind, 0, "ssh", "sourceSecurityGroupIds"), ["sg-0fedcba9"]),
                                                ("private",)) for kind in ("nodeGroups", "managedNodeGroups")},
    "nodeGroups[].securityGroups.withShared": ("new", put(("nodeGroups", 0, "securityGroups", "withShared"), False),
                                               ("private",)),
    "nodeGroups[].instanceName": ("new", put(("nodeGroups", 0, "instanceName"), "other"), ("private",)),
    "nodeGroups[].classicLoadBalancerNames": ("new", put(("nodeGroups", 0, "classicLoadBalancerNames"), ["lb2"]),
                                              ("private",)),
    "vpc.hostnameType": ("new", put(("vpc", "hostnameType"), "resource-name"), ("private",)),
    "controlPlaneScalingConfig.tier": ("new", put(("controlPlaneScalingConfig", "tier"), "tier-xl"), ("private",)),
    **{f"identityProviders[].{k}": ("new", put(("identityProviders", 0, k), v), ("private",)) for k, v in (
        ("name", "idp2"), ("issuerURL", "https://other.example.com"), ("clientID", "c2"), ("usernameClaim", "sub"),
        ("usernamePrefix", "-"), ("groupsClaim", "roles"), ("groupsPrefix", "oidc:"),
        ("requiredClaims", {"hd": "example.org"}), ("tags", {"idp": "b"}))},
    "nodeGroups[].targetGroupARNs": ("new", put(("nodeGroups", 0, "targetGroupARNs"), []), ("private",)),
    **{f"nodeGroups[].instancesDistribution.{k}": ("mixed", m, ("private",)) for k, m in (
        ("instanceTypes", distribution(instanceTypes=["c5.large", "c5a.large"])),
        ("maxPrice", distribution(maxPrice=0.06)),
        ("onDemandBaseCapacity", distribution(onDemandBaseCapacity=1)),
        ("onDemandPercentageAboveBaseCapacity", distribution(onDemandPercentageAboveBaseCapacity=25)),
        ("spotInstancePools", distribution(spotInstancePools=3)),
        ("spotAllocationStrategy", distribution(spotInstancePools=None, spotAllocationStrategy="capacity-optimized")),
        ("capacityRebalance", distribution(capacityRebalance=False)))},
    "nodeGroups[].asgMetricsCollection[].metrics": (
        "new", put(("nodeGroups", 0, "asgMetricsCollection", 0, "metrics"), ["GroupInServiceInstances"]), ("private",)),
    **{f"capabilities[].{k}": ("caps", put(("capabilities",) + path, v), ("private",)) for k, path, v in (
        ("name", (0, "name"), "ack2"),
        ("roleArn", (1, "roleArn"), f"arn:aws:iam::{ACCOUNT}:role/kro2"),
        ("tags", (0, "tags"), {"team": "b"}),
        ("attachPolicyARNs", (0, "attachPolicyARNs"), ["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        ("attachPolicy", (0, "attachPolicy"), {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sns:*"], "Resource": "*"}]}),
        ("permissionsBoundary", (0, "permissionsBoundary"), f"arn:aws:iam::{ACCOUNT}:policy/boundary2"),
        ("accessPolicies[].policyARN", (0, "accessPolicies", 0, "policyARN"),
         "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"),
        ("accessPolicies[].accessScope.type", (0, "accessPolicies", 0, "accessScope"), {"type": "cluster"}),
        ("accessPolicies[].accessScope.namespaces", (0, "accessPolicies", 0, "accessScope", "namespaces"), ["jobs"]),
        ("configuration.argocd.namespace", (2, "configuration", "argocd", "namespace"), "gitops"),
        ("configuration.argocd.awsIdc.idcInstanceArn", (2, "configuration", "argocd", "awsIdc", "idcInstanceArn"),
         "arn:aws:sso:::instance/ssoins-fedcba0987654321"),
        ("configuration.argocd.awsIdc.idcRegion", (2, "configuration", "argocd", "awsIdc", "idcRegion"), "us-east-1"),
        ("configuration.argocd.networkAccess.vpceIds", (2, "configuration", "argocd", "networkAccess", "vpceIds"),
         ["vpce-12345678"]),
        ("configuration.argocd.rbacRoleMappings[].role", (2, "configuration", "argocd", "rbacRoleMappings", 0, "role"),
         "VIEWER"),
        ("configuration.argocd.rbacRoleMappings[].identities[].id",
         (2, "configuration", "argocd", "rbacRoleMappings", 0, "identities", 0, "id"), "u-2"),
        ("configuration.argocd.rbacRoleMappings[].identities[].type",
         (2, "configuration", "argocd", "rbacRoleMappings", 0, "identities", 0, "type"), "SSO_GROUP"))},
    # One capability of each type per cluster: two swap theirs.
    "capabilities[].type": ("caps", both(put(("capabilities", 0, "type"), "KRO"), put(("capabilities", 1, "type"), "ACK")),
                            ("private",)),
    **{f"karpenter.{k}": ("karpenter", put(("karpenter", k), v), ("private",)) for k, v in (
        ("version", "v0.37.0"), ("createServiceAccount", False), ("defaultInstanceProfile", "karpenter-nodes"),
        ("withSpotInterruptionQueue", True))},
    **{f"privateCluster.pullThroughCache[].{k}": ("karpenter", put(("privateCluster", "pullThroughCache", i, k), v),
                                                   ("private",)) for i, k, v in (
        (0, "upstream", "k8s"), (0, "prefix", "quay-cache"),
        (1, "credentialARN", SECRET.replace("azure-AbCdEf", "acr-GhIjKl")), (1, "upstreamURL", "other1.azurecr.io"))},
    "fargateProfiles[].name": ("new", put(("fargateProfiles", 0, "name"), "fp2"), ("private",)),
    "fargateProfiles[].tags": ("new", put(("fargateProfiles", 0, "tags"), {"cost": "b"}), ("private",)),
    "fargateProfiles[].selectors[].namespace": ("new", put(("fargateProfiles", 0, "selectors", 0, "namespace"), "apps"),
                                                ("private",)),
    "fargateProfiles[].selectors[].labels": ("new", put(("fargateProfiles", 0, "selectors", 0, "labels"), {}),
                                             ("private",)),
}

# Fields that accept exactly one value: eksctl's name, kept so its configs read the same; any other
# value is refused, by path (docs/architecture.md §3). They change nothing because nothing else is allowed.
ONE_VALUE: dict[str, tuple[Mutation, str]] = {
    "privateCluster.enabled": (put(("privateCluster", "enabled"), False), "privateCluster.enabled"),
    "localZones": (put(("localZones",), ["us-west-2-lax-1a"]), "localZones"),
    "identityProviders[].type": (put(("identityProviders", 0, "type"), "saml"), "identityProviders[0].type"),
    "vpc.subnets.public": (put(("vpc", "subnets", "public"), {"us-west-2a": {"id": "subnet-1"}}), "vpc.subnets.public"),
    "vpc.clusterEndpoints": (put(("vpc", "clusterEndpoints"), {"publicAccess": True}), "vpc.clusterEndpoints"),
    "nodeGroups[].privateNetworking": (put(("nodeGroups", 0, "privateNetworking"), False),
                                       "nodeGroups[0].privateNetworking"),
    "managedNodeGroups[].privateNetworking": (put(("managedNodeGroups", 0, "privateNetworking"), False),
                                              "managedNodeGroups[0].privateNetworking"),
    "nodeGroups[].disableIMDSv1": (put(("nodeGroups", 0, "disableIMDSv1"), False), "nodeGroups[0].disableIMDSv1"),
    "managedNodeGroups[].disableIMDSv1": (put(("managedNodeGroups", 0, "disableIMDSv1"), False),
                                          "managedNodeGroups[0].disableIMDSv1"),
    "capabilities[].deletePropagationPolicy": (
        put(("capabilities",), [{"name": "kro", "type": "KRO", "deletePropagationPolicy": "DELETE"}]),
        "capabilities[0].deletePropagationPolicy"),
    "nodeGroups[].securityGroups.withLocal": (put(("nodeGroups", 0, "securityGroups", "withLocal"), False),
                                              "nodeGroups[0].securityGroups.withLocal"),
    **{f"managedNodeGroups[].securityGroups.{k}": (put(("managedNodeGroups", 0, "securityGroups", k), True),
                                                   f"managedNodeGroups[0].securityGroups.{k}")
       for k in ("withShared", "withLocal")},
    "nodeGroups[].asgMetricsCollection[].granularity": (
        put(("nodeGroups", 0, "asgMetricsCollection", 0, "granularity"), "5Minute"),
        "nodeGroups[0].asgMetricsCollection[0].granularity"),
}

# Fields read only by the runner, never by the program (README, "Fields the runner reads"). None today:
# vpc.publicAccessCIDRs reaches the bootstrap pass's cluster inputs, so it is walked above.
RUNNER_ONLY: dict[str, str] = {}


def leaf_paths() -> list[str]:
    paths = field_paths()
    return [p for p in paths if not any(o.startswith(p + ".") or o.startswith(p + "[]") for o in paths)]


def settings_of(doc: dict[str, Any]):
    doc = {k: v for k, v in doc.items() if v is not None}
    if isinstance(doc.get("vpc"), dict):
        doc["vpc"] = {k: v for k, v in doc["vpc"].items() if v is not None}
    for kind in ("nodeGroups", "managedNodeGroups"):
        for g in doc.get(kind, []):
            for k in [k for k, v in g.items() if v is None]:
                del g[k]
            repair = g.get("nodeRepairConfig") or {}
            for k in [k for k, v in repair.items() if v is None]:
                del repair[k]
    return settings_from_document({"config": {"aws:region": "us-west-2", "private-eks:cluster": doc}},
                                  stack="walk", source="stacks/Pulumi.walk.yaml")


_plans: dict[tuple[str, tuple[str, ...]], dict] = {}


def base_plan(base: str, phases: tuple[str, ...]) -> dict:
    if (base, phases) not in _plans:
        _plans[(base, phases)] = plan_stack(settings_of(copy.deepcopy(BASES[base])), phases)
    return _plans[(base, phases)]


def test_every_settings_field_is_walked():
    """A field of the models that is neither walked nor listed fails here, by name."""
    listed = set(VARIANTS) | set(ONE_VALUE) | set(RUNNER_ONLY)
    assert sorted(set(leaf_paths()) - listed) == []
    assert sorted(listed - set(leaf_paths())) == []  # no stale entry either


@pytest.mark.parametrize("path", sorted(VARIANTS))
def test_changing_the_field_changes_the_plan(path):
    base, mutate, phases = VARIANTS[path]
    doc = copy.deepcopy(BASES[base])
    mutate(doc)
    new = plan_stack(settings_of(doc), phases)
    diff = diff_plans(base_plan(base, phases), new)
    assert diff.resources, f"{path}: the plan did not change"


@pytest.mark.parametrize("path", sorted(ONE_VALUE))
def test_a_one_value_field_refuses_every_other_value_by_path(path):
    mutate, where = ONE_VALUE[path]
    doc = copy.deepcopy(NEW_VPC)
    mutate(doc)
    with pytest.raises(SettingsError) as e:
        settings_of(doc)
    assert where in [p.path for p in e.value.problems]
