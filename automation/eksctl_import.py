"""eksctl ClusterConfig → private-eks stack file.

The stack settings use eksctl's names, so most of a ClusterConfig carries over as it is. The
import walks the whole input and accounts for every key: it is either carried (the spec below
says where it goes) or listed as dropped with the reason, by its eksctl path. A few values need no
setting because they say what private-eks always does (``vpc.nat.gateway: Disable``); those are
listed as notes. The produced document is validated with the project's own settings rules, and a
result that would not validate is refused with the problems, named by eksctl path.

The output is YAML written by PyYAML with comments inserted between sections, each naming the
eksctl path it came from; the text is checked to load back to the same document.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import yaml

from automation.errors import ConfigurationError
from components import input_files
from components.settings import (
    ADDON_SERVICE_ACCOUNTS,
    CONFIG_KEY,
    DEFAULT_VERSION,
    REGION_KEY,
    STACK_NAME_RE,
    Problem,
    SettingsError,
    StackSettings,
    settings_from_document,
    yaml_error_message,
)

API_VERSION = "eksctl.io/v1alpha5"
KIND = "ClusterConfig"
_DEFAULT_STACK = "imported"
# eksctl's defaults where private-eks differs on purpose (eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5
# types.go DefaultVersion, defaults.go getDefaultAuthenticationMode); the README's "Coming from eksctl".
EKSCTL_DEFAULT_VERSION = "1.34"
EKSCTL_DEFAULT_AUTHENTICATION_MODE = "API_AND_CONFIG_MAP"
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


# ----------------------------------------------------------------------------- results, errors


@dataclass(frozen=True)
class Dropped:
    """A field of the eksctl config that the stack file does not carry."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Note:
    """A field that needs no setting (it is what private-eks does anyway), or an added default."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    stack: str
    text: str
    document: dict[str, Any]
    settings: StackSettings
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class EksctlImportError(ConfigurationError):
    """The import failed (exit 2); ``render()`` gives every reason, headed by the source."""

    def __init__(self, source: str, message: str):
        self.source = source
        super().__init__(message)

    def render(self) -> str:
        return f"{self.source}: {self}"


class NotAClusterConfig(EksctlImportError):
    """The input is not an eksctl ClusterConfig (YAML error, wrong shape, apiVersion or kind)."""


class ImportRefused(EksctlImportError):
    """Fields cannot be carried over and dropping them was not allowed."""

    def __init__(self, source: str, dropped: list[Dropped]):
        self.dropped = dropped
        n = len(dropped)
        super().__init__(source, f"{n} field{'s' if n != 1 else ''} cannot be carried over "
                                 "(import refused; --allow-drop writes the file without them)")

    def render(self) -> str:
        return "\n".join([super().render()] + [f"  {d}" for d in self.dropped])


class ImportInvalid(EksctlImportError):
    """The imported settings would not validate. ``problems`` are named by eksctl path."""

    def __init__(self, source: str, problems: list[Problem], dropped: list[Dropped]):
        self.problems = problems
        self.dropped = dropped
        n = len(problems)
        super().__init__(source, f"{n} problem{'s' if n != 1 else ''}: the imported stack settings would not "
                                 "validate (import refused)")

    def render(self) -> str:
        lines = [super().render()] + [f"  {p}" for p in self.problems]
        if self.dropped:
            lines.append("also not carried over:")
            lines += [f"  {d}" for d in self.dropped]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------ the spec
#
# What each eksctl path becomes. KEEP carries the value as it is (the settings validation checks
# its shape and reports it by the same path); _Map/_List/_Named step into a structure, and any key
# they do not name is dropped with a reason.


class _Keep:
    pass


KEEP = _Keep()


@dataclass(frozen=True)
class _Map:
    fields: Mapping[str, "_Spec"]


@dataclass(frozen=True)
class _List:
    item: "_Spec"


@dataclass(frozen=True)
class _Named:
    """A mapping of user-chosen names to items (``vpc.subnets.private``)."""

    item: "_Spec"


_Handler = Callable[["_Walk", Any, str, str], Any]
_Spec = Union[_Keep, _Map, _List, _Named, _Handler]
_SKIP = object()  # a handler's answer for "nothing to carry"


_TAINT = _Map({"key": KEEP, "value": KEEP, "effect": KEEP})


def _taints(walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
    """eksctl accepts taints as a list, and on nodeGroups also as a map ``key: value:effect``."""
    if isinstance(value, Mapping):
        walk.converted.add(path)
        out = []
        for key, spec in value.items():
            p = f"{path}.{key}"
            if isinstance(spec, str) and ":" in spec and spec.rsplit(":", 1)[1] in _TAINT_EFFECTS:
                val, effect = spec.rsplit(":", 1)
                out.append({"key": str(key), **({"value": val} if val else {}), "effect": effect})
            else:
                walk.drop(p, f"{gpath}.*", spec, reason="taint in map form without a known effect; write it as "
                          f"'value:EFFECT' with EFFECT one of {', '.join(_TAINT_EFFECTS)}")
        return out
    return walk.step(value, _List(_TAINT), path, gpath)


@dataclass(frozen=True)
class _NoteWhen:
    """A field that needs no setting when ``applies(value)``: it says what private-eks does anyway,
    and becomes a note (``message``, with ``{value}``); any other value is dropped."""

    applies: Callable[[Any], bool]
    message: str

    def __call__(self, walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
        if self.applies(value):
            walk.notes.append(Note(path, self.message.format(value=str(value).lower())))
        else:
            walk.drop(path, gpath, value)
        return _SKIP


_nat = _NoteWhen(lambda v: isinstance(v, Mapping) and dict(v) == {"gateway": "Disable"},
                 "gateway: Disable is what private-eks always does (no NAT gateway)")
_cluster_endpoints = _NoteWhen(
    lambda v: isinstance(v, Mapping) and v.get("publicAccess") is False and v.get("privateAccess", True) is True
    and set(v) <= {"publicAccess", "privateAccess"},
    "private-only access is where the runner's second pass leaves the cluster")
_control_plane_on_private_subnets = _NoteWhen(
    lambda v: isinstance(v, bool),
    "{value}: the control plane's network interfaces are always on the private subnets here (there are no others)")
# EKS deletion protection (CreateCluster deletionProtection; eksctl examples/46-deletion-protection-example.yaml,
# top-level, false by default): not a private-eks setting yet, so only its default is carried (as a note).
_deletion_protection = _NoteWhen(lambda v: v is False,
                                 "false: EKS's default; a cluster made here has no deletion protection")
# containerd is the one runtime from Kubernetes 1.24 (eksctl validation.go, DockershimDeprecationVersion).
_container_runtime = _NoteWhen(lambda v: v == "containerd", "containerd is the runtime of every node here")


def _network_config(walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
    """kubernetesNetworkConfig: the service CIDR is carried; ipFamily IPv4 is what private-eks does."""
    if not isinstance(value, Mapping):
        return value
    out = {}
    for key, sub in value.items():
        if key == "serviceIPv4CIDR":
            out[key] = sub
        elif key == "ipFamily" and isinstance(sub, str) and sub.lower() == "ipv4":
            walk.notes.append(Note(f"{path}.{key}", "IPv4 is the only IP family of private-eks"))
        else:
            walk.drop(f"{path}.{key}", f"{gpath}.{key}", sub, known=("serviceIPv4CIDR", "ipFamily"))
    return out if out else _SKIP


_ACCESS_ENTRY = _Map({
    "principalARN": KEEP, "type": KEEP, "kubernetesGroups": KEEP, "kubernetesUsername": KEEP,
    "accessPolicies": _List(_Map({"policyARN": KEEP, "accessScope": _Map({"type": KEEP, "namespaces": KEEP})})),
})
# eksctl's wellKnownPolicies (well_known_iam_policy.go), on add-ons, pod identity associations and
# IRSA service accounts alike.
_WELL_KNOWN = _Map({key: KEEP for key in ("imageBuilder", "autoScaler", "awsLoadBalancerController", "externalDNS",
                                          "certManager", "ebsCSIController", "efsCSIController")})
_ADDON = _Map({
    "name": KEEP, "version": KEEP, "configurationValues": KEEP, "serviceAccountRoleARN": KEEP,
    "resolveConflicts": KEEP, "tags": KEEP, "attachPolicyARNs": KEEP, "attachPolicy": KEEP,
    "wellKnownPolicies": _WELL_KNOWN, "podIdentityAssociations": _List(_Map({"serviceAccountName": KEEP, "roleARN": KEEP})),
})
_POD_IDENTITY = _Map({
    "namespace": KEEP, "serviceAccountName": KEEP, "roleARN": KEEP, "roleName": KEEP, "permissionPolicyARNs": KEEP,
    "permissionPolicy": KEEP,
    "permissionsBoundaryARN": KEEP, "targetRoleARN": KEEP, "disableSessionTags": KEEP, "tags": KEEP,
    "createServiceAccount": KEEP, "wellKnownPolicies": _WELL_KNOWN,
})
_SERVICE_ACCOUNT = _Map({
    "metadata": _Map({"name": KEEP, "namespace": KEEP, "labels": KEEP, "annotations": KEEP}),
    "attachPolicyARNs": KEEP, "attachPolicy": KEEP, "attachRoleARN": KEEP, "roleName": KEEP, "roleOnly": KEEP,
    "permissionsBoundary": KEEP, "tags": KEEP, "subjectPattern": KEEP, "wellKnownPolicies": _WELL_KNOWN,
})
_IDENTITY_MAPPING = _Map({"arn": KEEP, "username": KEEP, "groups": KEEP, "noDuplicateARNs": KEEP})


_CAPABILITY = _Map({
    "name": KEEP, "type": KEEP, "roleArn": KEEP, "deletePropagationPolicy": KEEP, "tags": KEEP,
    "configuration": _Map({"argocd": _Map({
        "namespace": KEEP, "networkAccess": _Map({"vpceIds": KEEP}),
        "rbacRoleMappings": _List(_Map({"role": KEEP, "identities": _List(_Map({"id": KEEP, "type": KEEP}))})),
        "awsIdc": _Map({"idcInstanceArn": KEEP, "idcRegion": KEEP}),
    })}),
    "accessPolicies": _List(_Map({"policyARN": KEEP, "accessScope": _Map({"type": KEEP, "namespaces": KEEP})})),
    "attachPolicyARNs": KEEP, "attachPolicy": KEEP, "permissionsBoundary": KEEP,
})


_AMI_FAMILIES = ("AmazonLinux2023", "AmazonLinux2", "Bottlerocket")


# Why pulumi-eks cannot build a family's nodes: its operating systems are AL2, AL2023 and Bottlerocket
# (pulumi/pulumi-eks nodejs/eks/nodes/ami.ts, OperatingSystem and AmiType; userdata.ts writes user
# data for those three only).
_FAMILY_REASONS = (
    ("Windows", "pulumi-eks builds no Windows nodes (no Windows AMI types or PowerShell user data: "
                "nodejs/eks/nodes/ami.ts)"),
    ("Ubuntu", "pulumi-eks builds no Ubuntu nodes (its AMI lookup and user data are for AmazonLinux2023, "
               "AmazonLinux2 and Bottlerocket)"),
    ("BottlerocketFips", "pulumi-eks looks up no FIPS Bottlerocket AMIs; use amiFamily Bottlerocket with the FIPS "
                         "image in ami"),
)
# The fields a dropped family's group wrote for that family: they go with it.
_FAMILY_BOUND = ("ami", "preBootstrapCommands", "overrideBootstrapCommand", "kubeletExtraConfig")


def _ami_family(walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
    """A family pulumi-eks builds nodes for is carried; another (Ubuntu, Windows) is dropped."""
    if value in _AMI_FAMILIES or not isinstance(value, str):
        return value
    why = next((r for prefix, r in _FAMILY_REASONS if value.startswith(prefix)),
               "not one of the AMI families pulumi-eks builds nodes for (AmazonLinux2023, AmazonLinux2, Bottlerocket)")
    walk.drop(path, gpath, value, reason=f"{value}: {why}; the group gets AmazonLinux2023")
    walk.dropped_families[path.rsplit(".", 1)[0]] = value
    return _SKIP


_SSH_REASONS = {
    "publicKeyPath": "a file on the machine that ran eksctl, which the import does not read; put the key in "
                     "ssh.publicKey, or name an EC2 key pair in ssh.publicKeyName",
    "enableSsm": "false: eksctl refuses it (the SSM agent is built into the EKS AMIs and cannot be disabled)",
}
_SSH_CARRIED = ("allow", "publicKeyName", "publicKey", "sourceSecurityGroupIds")
_SSM_ADVICE = ("eksctl deprecated it: the SSM agent is built into the EKS AMIs; in a private VPC Session Manager "
               "needs the ssm, ssmmessages and ec2messages endpoints (privateCluster.additionalEndpointServices)")


def _ssh(walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
    """ssh: a key (publicKeyName, or publicKey imported as a key pair), allow and sourceSecurityGroupIds
    are carried; publicKeyPath (a local file) is not, and without a key neither is allow. allow unset
    with a key is written true: eksctl opens SSH then (defaults.go, setSSHDefaults)."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, sub in value.items():
        p = f"{path}.{key}"
        if key in _SSH_CARRIED:
            out[key] = sub
        elif key == "enableSsm" and sub is not False:
            walk.notes.append(Note(p, _SSM_ADVICE))
        else:
            walk.drop(p, f"{gpath}.{key}", sub, reason=_SSH_REASONS.get(str(key)), known=_SSH_CARRIED)
    if out.get("allow") is False and out.get("publicKey"):
        # eksctl imports a key only when SSH is allowed (pkg/ssh/loader.go, LoadKey), so the nodes get none.
        del out["publicKey"]
        walk.notes.append(Note(f"{path}.publicKey", "not carried: eksctl ignores it with allow: false (the nodes "
                                                    "get no key)"))
    if not (out.get("publicKeyName") or out.get("publicKey")):
        for key in ("allow", "sourceSecurityGroupIds"):
            if out.get(key):
                walk.drop(f"{path}.{key}", f"{gpath}.{key}", out[key], reason="no key (ssh.publicKeyName or "
                          "ssh.publicKey): eksctl would import ~/.ssh/id_rsa.pub from its user's machine")
        return _SKIP
    if "allow" not in out:
        out["allow"] = True
        walk.notes.append(Note(f"{path}.allow", "not set: eksctl opens SSH when a key is given (set false to "
                                                "only put the key on the nodes)"))
    return out


def _imdsv1(walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
    """disableIMDSv1: true is carried; false is a note: nodes here always require IMDSv2."""
    if value is False:
        walk.notes.append(Note(path, "false: eksctl would allow IMDSv1; private-eks nodes always require IMDSv2"))
        return _SKIP
    return value


# eksctl's own bootstrap helper files, which only eksctl's user data writes (pkg/nodebootstrap/userdata.go).
_EKSCTL_HELPERS = ("/etc/eksctl/", "/var/lib/cloud/scripts/eksctl/")


def _override_bootstrap(walk: "_Walk", value: Any, path: str, gpath: str) -> Any:
    """overrideBootstrapCommand is carried; one that reads eksctl's helper files is noted: private-eks
    does not write them, so the command has to join the node without them."""
    if isinstance(value, str) and any(h in value for h in _EKSCTL_HELPERS):
        walk.notes.append(Note(path, "uses eksctl's bootstrap helper files (/etc/eksctl/, "
                                     "/var/lib/cloud/scripts/eksctl/), which private-eks does not write; rewrite it "
                                     "to call /etc/eks/bootstrap.sh with its own arguments"))
    return value


_NODE_GROUP_COMMON: dict[str, Any] = {
    "name": KEEP, "instanceType": KEEP, "desiredCapacity": KEEP, "minSize": KEEP, "maxSize": KEEP,
    "volumeSize": KEEP, "labels": KEEP, "taints": _taints, "tags": KEEP, "privateNetworking": KEEP,
    "amiFamily": _ami_family, "ami": KEEP, "volumeType": KEEP, "volumeIOPS": KEEP, "volumeThroughput": KEEP,
    "volumeEncrypted": KEEP, "volumeKmsKeyID": KEEP, "availabilityZones": KEEP, "subnets": KEEP,
    "disableIMDSv1": _imdsv1, "ssh": _ssh,
    "maxPodsPerNode": KEEP, "preBootstrapCommands": KEEP, "overrideBootstrapCommand": _override_bootstrap,
    "bottlerocket": _Map({"enableAdminContainer": KEEP, "settings": KEEP}),
    "securityGroups": _Map({"attachIDs": KEEP, "withShared": KEEP, "withLocal": KEEP}),
    "iam": _Map({"attachPolicyARNs": KEEP, "instanceRoleARN": KEEP, "instanceRolePermissionsBoundary": KEEP,
                 "withAddonPolicies": _Map({k: KEEP for k in (
                     "imageBuilder", "autoScaler", "externalDNS", "certManager", "appMesh", "appMeshPreview", "ebs",
                     "fsx", "efs", "awsLoadBalancerController", "albIngress", "xRay", "cloudWatch")})}),
}
_SELF_MANAGED_ONLY: dict[str, Any] = {
    "instanceName": KEEP, "targetGroupARNs": KEEP, "classicLoadBalancerNames": KEEP, "containerRuntime": _container_runtime,
    "kubeletExtraConfig": KEEP,
    "asgMetricsCollection": _List(_Map({"granularity": KEEP, "metrics": KEEP})),
    "instancesDistribution": _Map({k: KEEP for k in (
        "instanceTypes", "maxPrice", "onDemandBaseCapacity", "onDemandPercentageAboveBaseCapacity", "spotInstancePools",
        "spotAllocationStrategy", "capacityRebalance")}),
}
_MANAGED_ONLY: dict[str, Any] = {
    "instanceTypes": KEEP, "spot": KEEP, "launchTemplate": _Map({"id": KEEP, "version": KEEP}),
    "releaseVersion": KEEP, "forceUpdateVersion": KEEP,
    "updateConfig": _Map({"maxUnavailable": KEEP, "maxUnavailablePercentage": KEEP}),
    "nodeRepairConfig": _Map({
        "enabled": KEEP, "maxUnhealthyNodeThresholdPercentage": KEEP, "maxUnhealthyNodeThresholdCount": KEEP,
        "maxParallelNodesRepairedPercentage": KEEP, "maxParallelNodesRepairedCount": KEEP,
        "nodeRepairConfigOverrides": _List(_Map({"nodeMonitoringCondition": KEEP, "nodeUnhealthyReason": KEEP,
                                                 "minRepairWaitTimeMins": KEEP, "repairAction": KEEP})),
    }),
}

SPEC = _Map({
    "metadata": _Map({"name": KEEP, "region": KEEP, "version": KEEP, "forceUpdateVersion": KEEP, "tags": KEEP}),
    "privateCluster": _Map({"enabled": KEEP, "skipEndpointCreation": KEEP, "additionalEndpointServices": KEEP}),
    "availabilityZones": KEEP,
    # Carried so that the settings validation refuses it with its own message.
    "localZones": KEEP,
    "vpc": _Map({
        "id": KEEP, "cidr": KEEP, "publicAccessCIDRs": KEEP,
        "subnets": _Map({"private": _Named(_Map({"id": KEEP, "cidr": KEEP, "az": KEEP}))}),
        "nat": _nat,
        "clusterEndpoints": _cluster_endpoints,
        "hostnameType": KEEP,
        "controlPlaneOnPrivateSubnets": _control_plane_on_private_subnets,
    }),
    "accessConfig": _Map({"authenticationMode": KEEP, "bootstrapClusterCreatorAdminPermissions": KEEP,
                          "accessEntries": _List(_ACCESS_ENTRY)}),
    "iam": _Map({"withOIDC": KEEP, "podIdentityAssociations": _List(_POD_IDENTITY),
                 "serviceAccounts": _List(_SERVICE_ACCOUNT),
                 "serviceRolePermissionsBoundary": KEEP, "fargatePodExecutionRolePermissionsBoundary": KEEP}),
    "iamIdentityMappings": _List(_IDENTITY_MAPPING),
    "cloudWatch": _Map({"clusterLogging": _Map({"enableTypes": KEEP, "logRetentionInDays": KEEP})}),
    "secretsEncryption": _Map({"keyARN": KEEP}),
    "kubernetesNetworkConfig": _network_config,
    "upgradePolicy": _Map({"supportType": KEEP}),
    "zonalShiftConfig": _Map({"enabled": KEEP}),
    # Not eksctl fields (it has no deletion protection, and its --force-upgrade is a flag of `eksctl
    # upgrade nodegroup`): carried when a file has them.
    "deletionProtection": KEEP,
    "controlPlaneScalingConfig": _Map({"tier": KEEP}),
    "identityProviders": _List(_Map({
        "name": KEEP, "type": KEEP, "issuerURL": KEEP, "clientID": KEEP, "usernameClaim": KEEP, "usernamePrefix": KEEP,
        "groupsClaim": KEEP, "groupsPrefix": KEEP, "requiredClaims": KEEP, "tags": KEEP,
    })),
    "addons": _List(_ADDON),
    "capabilities": _List(_CAPABILITY),
    "autoModeConfig": _Map({"enabled": KEEP, "nodePools": KEEP, "nodeRoleARN": KEEP, "permissionsBoundaryARN": KEEP}),
    "nodeGroups": _List(_Map({**_NODE_GROUP_COMMON, **_SELF_MANAGED_ONLY})),
    "managedNodeGroups": _List(_Map({**_NODE_GROUP_COMMON, **_MANAGED_ONLY})),
    "fargateProfiles": _List(_Map({
        "name": KEEP, "tags": KEEP, "selectors": _List(_Map({"namespace": KEEP, "labels": KEEP})),
    })),
    "deletionProtection": _deletion_protection,
})

# Where a section goes in the stack file; the region is Pulumi's own key.
_SECTION_ORDER = ("metadata", "privateCluster", "availabilityZones", "localZones", "vpc", "kubernetesNetworkConfig",
                  "accessConfig", "iam", "cloudWatch", "secretsEncryption", "upgradePolicy", "zonalShiftConfig",
                  "controlPlaneScalingConfig", "identityProviders", "autoModeConfig", "addons", "iamIdentityMappings",
                  "capabilities", "nodeGroups", "managedNodeGroups", "fargateProfiles", "deletionProtection")

_NOT_HERE = "private-eks has no setting for it"
_REASONS = {
    "apiVersion": None, "kind": None,  # checked, not carried
    "metadata.annotations": "annotations are ignored by eksctl itself and the stack file has no place for them",
    "gitops": "GitOps (Flux) bootstrap is not part of private-eks; install it once the cluster is up",
    "git": "GitOps (Flux v1) bootstrap is not part of private-eks",
    "karpenter": "Karpenter is not installed by private-eks",
    "addonsConfig": "add-on defaults are eksctl's (vpc-cni, kube-proxy, coredns); list add-ons in addons",
    "addons[].permissionsBoundary": "private-eks puts no permissions boundary on the add-on roles it makes",
    "addons[].useDefaultPodIdentityAssociations": "private-eks does not look up EKS's recommended pod identity "
                                                  "policies (DescribeAddonConfiguration); list podIdentityAssociations "
                                                  "with a roleARN, or give wellKnownPolicies (aws-ebs-csi-driver, "
                                                  "aws-efs-csi-driver)",
    "iam.serviceAccounts[].status": "read-only status written by eksctl",
    "iam.serviceRoleARN": "private-eks creates the cluster's IAM role itself",
    "iam.fargatePodExecutionRoleARN": "private-eks creates the Fargate pod execution role itself",
    "iam.vpcResourceControllerPolicy": "private-eks creates the cluster's IAM role itself",
    "iamIdentityMappings[].account": "pulumi-eks writes aws-auth from role and user mappings only (no account "
                                     "mappings); map the account's roles or users, or use accessConfig.accessEntries",
    "iamIdentityMappings[].serviceName": "eksctl's service access (e.g. emr-containers) also creates RBAC objects in "
                                         "the namespace; not made by private-eks",
    "iamIdentityMappings[].namespace": "goes with serviceName, which private-eks does not carry",
    "kubernetesNetworkConfig.ipFamily": "IPv6 is not supported by private-eks",
    "vpc.subnets.public": "a fully-private cluster has no public subnets",
    "vpc.nat": "a fully-private VPC has no NAT gateway",
    "vpc.clusterEndpoints": "API endpoint access is managed by the runner's two passes (bootstrap, then private only)",
    "vpc.sharedNodeSecurityGroup": "private-eks manages the cluster's security groups",
    "vpc.securityGroup": "private-eks manages the cluster's security groups",
    "vpc.manageSharedNodeSecurityGroupRules": "private-eks manages the cluster's security groups",
    "vpc.controlPlaneSecurityGroupIDs": "private-eks manages the cluster's security groups",
    "vpc.controlPlaneSubnetIDs": "the control plane uses the private subnets",
    "vpc.autoAllocateIPv6": "IPv6 is not supported by private-eks",
    "vpc.ipv6Cidr": "IPv6 is not supported by private-eks",
    "vpc.ipv6Pool": "IPv6 is not supported by private-eks",
    "vpc.extraCIDRs": "secondary VPC CIDRs are not supported by private-eks",
    "vpc.extraIPv6CIDRs": "IPv6 is not supported by private-eks",
    "fargateProfiles[].podExecutionRoleARN": "private-eks creates the Fargate pod execution role itself",
    "fargateProfiles[].subnets": "Fargate profiles use all the private subnets",
    "outpost": "EKS on Outposts is not supported by private-eks",
    "remoteNetworkConfig": "hybrid nodes are not supported by private-eks",
    "deletionProtection": "EKS deletion protection is not a private-eks setting: turn it on after `up` with "
                          "`aws eks update-cluster-config --name <cluster> --deletion-protection` (false, EKS's default, is a note)",
    "status": "read-only status written by eksctl",
    "managedNodeGroups[].kubeletExtraConfig": "eksctl takes kubeletExtraConfig on self-managed node groups only; "
                                              "use maxPodsPerNode, or a NodeConfig in overrideBootstrapCommand "
                                              "(AmazonLinux2023)",
    "nodeGroups[].launchTemplate": "a launch template is carried for managed node groups only",
}
# Node group fields, the same for nodeGroups[] and managedNodeGroups[].
_NODE_GROUP_REASONS = {
    "containerRuntime": "containerd is the only runtime from Kubernetes 1.24 (eksctl refuses others too)",
    "localZones": "local zones cannot be used in a fully-private cluster",
    "instanceSelector": "eksctl turns it into instance types through the EC2 API when it runs; list them in "
                        "instanceType (instanceTypes for managed node groups)",
    "instancesDistribution": "eksctl takes instancesDistribution on self-managed node groups only; managed node "
                             "groups take instanceTypes and spot",
    "instanceTypes": "a self-managed node group lists several instance types in instancesDistribution.instanceTypes",
    "spot": "a self-managed node group gets spot capacity through instancesDistribution "
            "(onDemandPercentageAboveBaseCapacity below 100)",
    "instanceName": "the instances' Name tag is carried for self-managed node groups only",
    "targetGroupARNs": "target groups are carried for self-managed node groups only",
    "asgMetricsCollection": "Auto Scaling metrics are carried for self-managed node groups only",
    "updateConfig": "update configuration is carried for managed node groups only",
    "releaseVersion": "an AMI release version is carried for managed node groups only (self-managed groups get the "
                      "newest AMI for the cluster's version)",
    "nodeRepairConfig": "node repair is carried for managed node groups only",
    # eksctl NodeGroupBase.connectionTracking (eksctl-io/eksctl pull 8872): EC2 connection tracking timeouts on
    # the launch template's network interfaces.
    "connectionTracking": "private-eks sets no connection tracking timeouts on the nodes' network interfaces "
                          "(EC2 keeps its defaults for the instance type)",
}
_NODE_IAM_REASONS = {
    "instanceProfileARN": "private-eks makes the instance profile (from iam.instanceRoleARN when given)",
    "instanceRoleName": "private-eks names the node role itself",
    "attachPolicy": "inline node policies are not created by private-eks; use iam.attachPolicyARNs",
}


_GROUP = r"^(?:managedNodeGroups|nodeGroups)\[\]\."


def documented_reason(gpath: str) -> str | None:
    """Why the import drops the eksctl path ``gpath`` (``nodeGroups[].ssh.publicKey``), as the README's
    table says; None for a path with no documented reason (one eksctl does not have, say)."""
    reason = _REASONS.get(gpath)
    if reason is None and (m := re.match(_GROUP + r"([^.\[]+)$", gpath)):
        reason = _NODE_GROUP_REASONS.get(m.group(1))
    if reason is None and (m := re.match(_GROUP + r"ssh\.([^.\[]+)$", gpath)):
        reason = _SSH_REASONS.get(m.group(1))
    if reason is None and (m := re.match(_GROUP + r"iam\.([^.\[]+)$", gpath)):
        reason = _NODE_IAM_REASONS.get(m.group(1))
    return reason


def config_paths(doc: Any, spec: _Spec = SPEC, prefix: str = "") -> set[str]:
    """The eksctl paths a ClusterConfig uses, generic (``nodeGroups[].iam.withAddonPolicies.ebs``), down
    to what the spec carries as a whole or does not know."""
    out: set[str] = set()
    if isinstance(spec, _Map) and isinstance(doc, Mapping):
        for key, sub in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.add(path)
            if key in spec.fields:
                out |= config_paths(sub, spec.fields[key], path)
    elif isinstance(spec, _List) and isinstance(doc, list):
        for item in doc:
            out |= config_paths(item, spec.item, prefix + "[]")
    elif isinstance(spec, _Named) and isinstance(doc, Mapping):
        for item in doc.values():
            out |= config_paths(item, spec.item, prefix + ".<name>")
    elif spec is _ssh and isinstance(doc, Mapping):
        out |= {f"{prefix}.{key}" for key in doc}
    return out


def carried_paths(spec: _Spec = SPEC, prefix: str = "") -> list[str]:
    """The eksctl paths the import carries (``nodeGroups[].taints`` etc.), for comparing with the model."""
    out = []
    if isinstance(spec, _Map):
        for key, sub in spec.fields.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(sub, _NoteWhen):
                continue  # never carried: noted or dropped
            if sub in (_imdsv1, _ami_family, _override_bootstrap):
                out.append(path)
                continue
            if sub is _ssh:
                out += [path] + [f"{path}.{k}" for k in _SSH_CARRIED]
                continue
            if sub is _network_config:
                out.append(path)
                out.append(f"{path}.serviceIPv4CIDR")
                continue
            out.append(path)
            out += carried_paths(sub, path)
    elif isinstance(spec, _List):
        out += carried_paths(spec.item, prefix + "[]")
    elif isinstance(spec, _Named):
        out += carried_paths(spec.item, prefix + ".<name>")
    elif spec is _taints:
        out += carried_paths(_TAINT, prefix + "[]")
    return out


# ------------------------------------------------------------------------------------- the walk


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == [] or value == ""


class _Walk:
    def __init__(self) -> None:
        self.dropped: list[Dropped] = []
        self.notes: list[Note] = []
        self.converted: set[str] = set()  # taints converted from the map form
        # Lists some of whose items were dropped whole: the eksctl indices of the items kept, so
        # that a problem of the stack file is named by its eksctl path.
        self.kept: dict[str, list[int]] = {}
        self.dropped_families: dict[str, str] = {}  # node group path -> the amiFamily dropped

    def drop(self, path: str, gpath: str, value: Any, *, reason: str | None = None,
             known: Iterable[str] = ()) -> None:
        if _empty(value):
            self.notes.append(Note(path, "empty; nothing to carry over"))
            return
        if reason is None:
            reason = documented_reason(gpath)
            if reason is None:
                close = difflib.get_close_matches(path.rsplit(".", 1)[-1], list(known), n=1, cutoff=0.8)
                reason = f"{_NOT_HERE} (did you mean {close[0]!r}?)" if close else _NOT_HERE
        self.dropped.append(Dropped(path, reason))

    def step(self, value: Any, spec: _Spec, path: str, gpath: str) -> Any:
        # A value of the wrong shape is carried as it is: the settings validation names the path.
        if isinstance(spec, _Keep):
            return value
        if callable(spec):
            return spec(self, value, path, gpath)
        if isinstance(spec, _List):
            if not isinstance(value, list):
                return value
            return [self.step(item, spec.item, f"{path}[{i}]", f"{gpath}[]") for i, item in enumerate(value)]
        if isinstance(spec, _Named):
            if not isinstance(value, Mapping):
                return value
            return {k: self.step(v, spec.item, f"{path}.{k}", f"{gpath}.*") for k, v in value.items()}
        if not isinstance(value, Mapping):
            return value
        out = {}
        for key, sub in value.items():
            p = f"{path}.{key}" if path else str(key)
            gp = f"{gpath}.{key}" if gpath else str(key)
            if key in spec.fields:
                carried = self.step(sub, spec.fields[key], p, gp)
                # A section whose every key was dropped leaves nothing behind (list items stay, so
                # that indices and "is required" problems keep their eksctl paths).
                emptied = isinstance(spec.fields[key], _Map) and sub and carried == {}
                if carried is not _SKIP and not emptied:
                    out[key] = carried
            elif not (gp in _REASONS and _REASONS[gp] is None):
                self.drop(p, gp, sub, known=spec.fields)
        return out


# ------------------------------------------------------------------------------------ parsing


def _parse(text: str, source: str) -> Any:
    try:
        # Limits on depth and alias expansion; a key written twice is refused.
        docs = [d for d in input_files.load_all_yaml(text) if d is not None]
    except yaml.YAMLError as e:
        raise NotAClusterConfig(source, yaml_error_message(e)) from None
    if not docs:
        raise NotAClusterConfig(source, "is empty; expected an eksctl ClusterConfig")
    if len(docs) > 1:
        raise NotAClusterConfig(source, f"holds {len(docs)} YAML documents; expected one eksctl ClusterConfig")
    return docs[0]


def _check_kind(doc: Any, source: str) -> None:
    if not isinstance(doc, Mapping):
        raise NotAClusterConfig(source, f"is a {type(doc).__name__}, not an eksctl ClusterConfig mapping")
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if api != API_VERSION or kind != KIND:
        raise NotAClusterConfig(source, f"is not an eksctl ClusterConfig: expected apiVersion: {API_VERSION} and "
                                        f"kind: {KIND}, found apiVersion: {api!r}, kind: {kind!r}")


# ------------------------------------------------------------------------------------- output


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key, and no anchors."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any, indent: int) -> list[str]:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)
    pad = " " * indent
    return [pad + line for line in text.splitlines()]


def _render(doc: dict[str, Any], walk: _Walk, *, stack: str, source: str, added: set[str]) -> str:
    config = doc["config"]
    lines = [
        f"# Stack {stack!r}, imported by `private-eks import-eksctl` from the eksctl ClusterConfig {source}.",
        f"# Save it as stacks/Pulumi.{stack}.yaml. Each section names the eksctl path it came from.",
    ]
    if walk.dropped:
        lines.append("# Not carried over (imported with --allow-drop):")
        lines += [f"#   {d}" for d in walk.dropped]
    if walk.notes:
        lines.append("# Notes:")
        lines += [f"#   {n}" for n in walk.notes]
    lines.append("config:")
    if REGION_KEY in config:
        lines.append("  # from eksctl: metadata.region")
        lines += _dump({REGION_KEY: config[REGION_KEY]}, 2)
    cluster = config[CONFIG_KEY]
    lines.append(f"  {CONFIG_KEY}:")
    for key, value in cluster.items():
        origin = "added: private-eks builds only fully-private clusters" if key in added else f"from eksctl: {key}"
        lines.append(f"    # {origin}")
        if key in ("nodeGroups", "managedNodeGroups", "fargateProfiles") and isinstance(value, list) and value:
            lines.append(f"    {key}:")
            for i, item in enumerate(value):
                extra = ""
                if f"{key}[{i}].taints" in walk.converted:
                    extra = " (taints converted from eksctl's map form)"
                lines.append(f"      # from eksctl: {key}[{i}]{extra}")
                lines += _dump([item], 6)
        else:
            lines += _dump({key: value}, 4)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- import


def _translate(problem: Problem, walk: _Walk) -> Problem:
    """A settings problem, named by its eksctl path. The paths coincide (same names, same list
    order; map-form taints always convert to valid entries) except for the region and lists some
    of whose items were dropped whole."""
    if problem.path == REGION_KEY:
        return Problem("metadata.region", problem.message)
    for where, kept in walk.kept.items():
        m = re.match(rf"^{re.escape(where)}\[(\d+)\]", problem.path)
        if m and int(m.group(1)) < len(kept):
            return Problem(f"{where}[{kept[int(m.group(1))]}]{problem.path[m.end():]}", problem.message)
    return problem


def _drop_emptied_items(carried: dict[str, Any], walk: _Walk) -> None:
    """List items left without what makes them (their only fields were dropped) go whole, listed
    once with the reasons of those fields: an account or service mapping."""
    lists = [("iamIdentityMappings", carried, "iamIdentityMappings", ("arn",), ("account", "serviceName", "namespace"))]
    for where, parent, key, needs, lost_keys in lists:
        items = parent.get(key)
        if not isinstance(items, list):
            continue
        kept, out = [], []
        for i, item in enumerate(items):
            prefixes = tuple(f"{where}[{i}].{k}" for k in lost_keys)
            lost = [d for d in walk.dropped if d.path.startswith(prefixes)]
            if isinstance(item, dict) and lost and not any(k in item for k in needs):
                walk.dropped = [d for d in walk.dropped if d not in lost]
                walk.dropped.append(Dropped(f"{where}[{i}]", "; ".join(
                    f"{d.path.removeprefix(f'{where}[{i}].')}: {d.reason}" for d in lost)))
                continue
            kept.append(i)
            out.append(item)
        if len(out) != len(items):
            walk.kept[where] = kept
            if out:
                parent[key] = out
            else:
                del parent[key]


def _drop_addon_roles_eksctl_skips(carried: dict[str, Any], walk: _Walk) -> None:
    """An add-on's attachPolicyARNs/wellKnownPolicies/attachPolicy make a role in eksctl only with
    iam.withOIDC (pkg/actions/addon/create.go, Create); private-eks makes it only for a service account
    it knows (ADDON_SERVICE_ACCOUNTS). With serviceAccountRoleARN or podIdentityAssociations eksctl
    refuses the config (pkg/apis/eksctl.io/v1alpha5/addon.go, Validate), and so do the settings."""
    iam = carried.get("iam")
    oidc = isinstance(iam, dict) and iam.get("withOIDC") is True
    addons = carried.get("addons")
    for i, addon in enumerate(addons if isinstance(addons, list) else []):
        if not isinstance(addon, dict) or not isinstance(addon.get("name", ""), str):
            continue  # the settings validation names a name of the wrong shape
        reason = None
        if addon.get("serviceAccountRoleARN") or addon.get("podIdentityAssociations"):
            continue
        if addon.get("name") not in ADDON_SERVICE_ACCOUNTS:
            reason = (f"the service account of add-on {addon.get('name')!r} is not known (known: "
                      f"{', '.join(ADDON_SERVICE_ACCOUNTS)}): eksctl's role would trust every service account of "
                      "the cluster; give serviceAccountRoleARN or podIdentityAssociations with a roleARN")
        elif not oidc:
            reason = "eksctl makes no add-on role without iam.withOIDC (it only warns)"
        flags = addon.get("wellKnownPolicies")
        for key in ("attachPolicyARNs", "wellKnownPolicies", "attachPolicy"):
            # Flags all written false ask for no role: they stay, as they do nothing.
            if key == "wellKnownPolicies" and isinstance(flags, dict) and not any(flags.values()):
                continue
            if reason and key in addon:
                walk.drop(f"addons[{i}].{key}", f"addons[].{key}", addon.pop(key), reason=reason)


def _keep_config_map_for_mappings(carried: dict[str, Any], walk: _Walk) -> None:
    """iamIdentityMappings under eksctl's default authentication mode (API_AND_CONFIG_MAP, which has
    aws-auth): that mode is written out, since private-eks's default (API) has no aws-auth."""
    access = carried.get("accessConfig")
    if carried.get("iamIdentityMappings") and not (isinstance(access, dict) and "authenticationMode" in access):
        carried["accessConfig"] = {**(access if isinstance(access, dict) else {}),
                                   "authenticationMode": EKSCTL_DEFAULT_AUTHENTICATION_MODE}
        walk.notes.append(Note("accessConfig.authenticationMode", f"not set: set to eksctl's default "
                               f"{EKSCTL_DEFAULT_AUTHENTICATION_MODE} for iamIdentityMappings (aws-auth); "
                               "private-eks's default, API, has no aws-auth"))


def _make_nodes_private(carried: dict[str, Any], walk: _Walk) -> None:
    for kind in ("nodeGroups", "managedNodeGroups"):
        groups = carried.get(kind)
        if not isinstance(groups, list):
            continue
        for i, group in enumerate(groups):
            if isinstance(group, dict) and group.get("privateNetworking") is not True:
                was = "unset" if "privateNetworking" not in group else f"{group['privateNetworking']!r}"
                group["privateNetworking"] = True
                walk.notes.append(Note(f"{kind}[{i}].privateNetworking",
                                       f"was {was}: set to true, the nodes of a fully-private cluster have no public IPs"))


def _drop_foreign_node_subnets(carried: dict[str, Any], walk: _Walk) -> None:
    """Node group ``subnets`` naming a subnet that is not one of the carried private subnets (a public
    one, say) cannot be honoured: dropped with the reason, so the group uses every private subnet."""
    vpc = carried.get("vpc")
    subnets = vpc.get("subnets") if isinstance(vpc, dict) else None
    private = subnets.get("private") if isinstance(subnets, dict) else None
    private = private if isinstance(private, dict) else {}
    known = set(private) | {s.get("id") for s in private.values() if isinstance(s, dict) and s.get("id")}
    for kind in ("nodeGroups", "managedNodeGroups"):
        groups = carried.get(kind)
        for i, group in enumerate(groups if isinstance(groups, list) else []):
            names = group.get("subnets") if isinstance(group, dict) else None
            if not isinstance(names, list):
                continue
            if not all(isinstance(n, str) for n in names):
                continue  # the settings validation names the entry
            foreign = [n for n in names if n not in known]
            if foreign:
                del group["subnets"]
                walk.dropped.append(Dropped(f"{kind}[{i}].subnets", f"{', '.join(foreign)}: not a private subnet of "
                                            "the cluster; nodes go on the private subnets only (all of them)"))


def _drop_family_bound_fields(carried: dict[str, Any], walk: _Walk) -> None:
    """A group whose amiFamily was dropped becomes AmazonLinux2023: its AMI and bootstrap commands,
    written for the dropped family (a Windows AMI, a PowerShell command), are dropped with it."""
    for kind in ("nodeGroups", "managedNodeGroups"):
        groups = carried.get(kind)
        for i, group in enumerate(groups if isinstance(groups, list) else []):
            family = walk.dropped_families.get(f"{kind}[{i}]")
            if family is None or not isinstance(group, dict):
                continue
            for key in _FAMILY_BOUND:
                if key in group:
                    del group[key]
                    walk.dropped.append(Dropped(f"{kind}[{i}].{key}", f"written for amiFamily {family}, which is "
                                                "dropped (the group gets AmazonLinux2023)"))


def _note_launch_templates(carried: dict[str, Any], walk: _Walk) -> None:
    """IMDSv2 is always required here, and pulumi-eks cannot set it on a launch template it does not make."""
    groups = carried.get("managedNodeGroups")
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        if isinstance(group, dict) and "launchTemplate" in group:
            walk.notes.append(Note(f"managedNodeGroups[{i}].launchTemplate", "the template itself must require IMDSv2 "
                                   "(HttpTokens: required): pulumi-eks cannot set it on a template it does not make; "
                                   "preflight refuses one that does not"))


def _note_different_defaults(carried: dict[str, Any], walk: _Walk) -> None:
    """A note for each field left to eksctl's default where private-eks's default differs."""
    metadata = carried.get("metadata")
    if isinstance(metadata, dict) and "version" not in metadata:
        walk.notes.append(Note("metadata.version", f"not set: eksctl's default is {EKSCTL_DEFAULT_VERSION}, "
                                                   f"private-eks's is {DEFAULT_VERSION}; set it to keep eksctl's"))
    access = carried.get("accessConfig")
    if not (isinstance(access, dict) and "authenticationMode" in access):
        walk.notes.append(Note("accessConfig.authenticationMode",
                               f"not set: eksctl's default is {EKSCTL_DEFAULT_AUTHENTICATION_MODE}, private-eks's is "
                               "API (access entries only: no aws-auth ConfigMap, so no bootstrap window is needed "
                               "for it)"))


def import_cluster_config(
    doc_or_text: Any,
    *,
    stack: str | None = None,
    source: str = "<eksctl config>",
    allow_drop: bool = False,
) -> ImportResult:
    """Turn an eksctl ClusterConfig (YAML text or a parsed mapping) into a validated stack file.

    Raises NotAClusterConfig, ImportInvalid (the result would not validate; raised before
    ImportRefused so that every problem is known at once) or ImportRefused (fields would be dropped
    and ``allow_drop`` is false).
    """
    if stack is not None and not STACK_NAME_RE.fullmatch(stack):
        raise ValueError(f"{stack!r} is not a stack name (letters, digits, '-', '_', '.')")
    doc = _parse(doc_or_text, source) if isinstance(doc_or_text, str) else doc_or_text
    _check_kind(doc, source)

    walk = _Walk()
    carried = walk.step(doc, SPEC, "", "")
    metadata = carried.get("metadata")
    region = metadata.pop("region", None) if isinstance(metadata, dict) else None

    added: set[str] = set()
    private = carried.get("privateCluster")
    if private is None or (isinstance(private, dict) and private.get("enabled") is False):
        # A cluster with public access in eksctl: converted, and its nodes made private too (a
        # config that asks for privateCluster and leaves privateNetworking unset is refused, as
        # eksctl refuses it).
        path = "privateCluster" if private is None else "privateCluster.enabled"
        carried["privateCluster"] = {**(private or {}), "enabled": True}
        added.add("privateCluster")
        walk.notes.append(Note(path, "not enabled: eksctl would build a cluster with public access; "
                                     "the stack file makes it fully private (enabled: true)"))
        _make_nodes_private(carried, walk)
    elif isinstance(private, dict) and "enabled" not in private:
        walk.notes.append(Note("privateCluster.enabled", "not set: private-eks builds only fully-private clusters"))
    _drop_foreign_node_subnets(carried, walk)
    _drop_emptied_items(carried, walk)
    _drop_addon_roles_eksctl_skips(carried, walk)
    _keep_config_map_for_mappings(carried, walk)
    _drop_family_bound_fields(carried, walk)
    _note_launch_templates(carried, walk)
    _note_different_defaults(carried, walk)

    cluster = {k: carried[k] for k in _SECTION_ORDER if k in carried}
    config: dict[str, Any] = {}
    if region is not None:
        config[REGION_KEY] = region
    config[CONFIG_KEY] = cluster
    out_doc = {"config": config}

    if stack is None:
        name = metadata.get("name") if isinstance(metadata, dict) else None
        stack = name if isinstance(name, str) and STACK_NAME_RE.fullmatch(name) else _DEFAULT_STACK

    try:
        settings = settings_from_document(out_doc, stack=stack, source=source)
    except SettingsError as e:
        raise ImportInvalid(source, [_translate(p, walk) for p in e.problems], walk.dropped) from None
    if walk.dropped and not allow_drop:
        raise ImportRefused(source, walk.dropped)

    text = _render(out_doc, walk, stack=stack, source=source, added=added)
    if yaml.safe_load(text) != out_doc:
        raise AssertionError("the rendered stack file does not load back to the imported settings")
    return ImportResult(stack=stack, text=text, document=out_doc, settings=settings,
                        dropped=list(walk.dropped), notes=list(walk.notes))
