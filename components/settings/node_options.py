"""The parts a node group is made of: taints, its IAM role (withAddonPolicies), ssh, bottlerocket,
launchTemplate, securityGroups, asgMetricsCollection, instancesDistribution, updateConfig and
nodeRepairConfig; and the nodeadm NodeConfig check of overrideBootstrapCommand."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Literal, Mapping

import yaml
from pydantic import Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components import input_files
from components.settings.base import (
    K8S_NAME_RE,
    SettingsModel,
    brief,
    check_arn,
    is_label_key,
    raise_rules,
    yaml_error_message,
)


class Taint(SettingsModel):
    key: str
    """the taint's key"""
    value: str | None = None
    """the taint's value"""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
    """the taint's effect"""

    # Kubernetes validates a taint's key as a label key and its value as a label value
    # (kubernetes/kubernetes pkg/apis/core/validation/validation.go, validateTaints).
    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not is_label_key(v):
            raise ValueError(f"{v!r} is not a Kubernetes qualified name ([prefix/]name, the name up to 63 letters, "
                             "digits, '-', '_', '.', starting and ending with a letter or digit)")
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v: str | None) -> str | None:
        if v and not K8S_NAME_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a Kubernetes label value (up to 63 letters, digits, '-', '_', '.', "
                             "starting and ending with a letter or digit)")
        return v


class AddonPolicies(SettingsModel):
    """eksctl's iam.withAddonPolicies: AWS managed policies for some, inline policies of eksctl's own
    for the others (pkg/cfn/builder/iam_helper.go; the statements are components/iam/well_known_policies.py)."""

    image_builder: bool = False
    """`AmazonEC2ContainerRegistryPowerUser`"""
    auto_scaler: bool = False
    """inline: cluster-autoscaler's Auto Scaling and EC2 actions"""
    external_dns: bool = Field(default=False, alias="externalDNS")
    """inline: Route 53 record changes and hosted zone listing"""
    cert_manager: bool = False
    """inline: Route 53 record changes, hosted zone listing and `GetChange` (DNS01)"""
    app_mesh: bool = False
    """inline: Cloud Map and Route 53 health checks, `appmesh:*`"""
    app_mesh_preview: bool = False
    """inline: as `appMesh`, with `appmesh-preview:*`"""
    ebs: bool = False
    """`service-role/AmazonEBSCSIDriverPolicy`"""
    fsx: bool = False
    """inline: `fsx:*` and service-linked roles"""
    efs: bool = False
    """inline: `elasticfilesystem:*` and the network interface actions"""
    aws_load_balancer_controller: bool = False
    """inline: the AWS Load Balancer Controller's policy"""
    alb_ingress: bool = False
    """deprecated name of `awsLoadBalancerController` (not with it)"""
    x_ray: bool = False
    """inline: X-Ray trace and sampling actions"""
    cloud_watch: bool = False
    """`CloudWatchAgentServerPolicy`"""

    @model_validator(mode="after")
    def _check(self) -> "AddonPolicies":
        # eksctl validation.go, validateDeprecatedIAMFields.
        if self.alb_ingress and self.aws_load_balancer_controller:
            raise_rules([(("albIngress",), "cannot be set together with awsLoadBalancerController (albIngress is its "
                          "deprecated name)")])
        return self


class NodeGroupIAM(SettingsModel):
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """(default: eksctl's node policies) policy ARNs; they replace the default policies, as in eksctl"""
    instance_role_arn: str | None = Field(default=None, alias="instanceRoleARN")
    """(default: a new role) an existing node role's ARN (not in `CONFIG_MAP` mode; not with `attachPolicyARNs` or `withAddonPolicies`)"""
    instance_role_permissions_boundary: str | None = None
    """an IAM policy ARN: the node role's permissions boundary (not with `instanceRoleARN`)"""
    with_addon_policies: AddonPolicies = Field(default_factory=AddonPolicies)
    """eksctl's add-on policies on the node role (not with `instanceRoleARN`)"""

    @model_validator(mode="after")
    def _check(self) -> "NodeGroupIAM":
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, arn in enumerate(self.attach_policy_arns):
            check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        check_arn(self.instance_role_arn, ("instanceRoleARN",), problems, service="iam", resource="role")
        check_arn(self.instance_role_permissions_boundary, ("instanceRolePermissionsBoundary",), problems,
                  service="iam", resource="policy")
        # eksctl validation.go, validateNodeGroupIAM: an existing role takes none of the role-making fields.
        if self.instance_role_arn is not None:
            if self.attach_policy_arns:
                problems.append((("attachPolicyARNs",), "cannot be set when instanceRoleARN is set"))
            if self.instance_role_permissions_boundary is not None:
                problems.append((("instanceRolePermissionsBoundary",), "cannot be set when instanceRoleARN is set"))
            # eksctl refuses the flags that are on (validateNodeGroupIAMWithAddonPolicies).
            for flag, f in AddonPolicies.model_fields.items():
                if getattr(self.with_addon_policies, flag):
                    problems.append((("withAddonPolicies", f.alias or to_camel(flag)),
                                     "cannot be set when instanceRoleARN is set"))
        raise_rules(problems)
        return self


def node_config_problems(text: str) -> list[tuple[tuple[Any, ...], str]]:
    """An AmazonLinux2023 overrideBootstrapCommand is a nodeadm NodeConfig (eksctl nodebootstrap/al2023.go,
    stringToNodeConfig; nodeadm reads documents of kind NodeConfig, apiVersion node.eks.aws/...)."""
    try:
        doc = input_files.load_yaml_snippet(text)
    except yaml.YAMLError as e:
        return [(("overrideBootstrapCommand",), f"is not a nodeadm NodeConfig on AmazonLinux2023: {yaml_error_message(e)}")]
    if not isinstance(doc, Mapping) or doc.get("kind") != "NodeConfig" \
            or not str(doc.get("apiVersion", "")).startswith("node.eks.aws/"):
        return [(("overrideBootstrapCommand",), "must be a nodeadm NodeConfig on AmazonLinux2023 (a YAML document with "
                 "apiVersion: node.eks.aws/v1alpha1 and kind: NodeConfig), not a script")]
    return []


# The keys EC2 ImportKeyPair takes: RSA or ED25519 public keys (EC2 API Reference, ImportKeyPair), in
# OpenSSH's one-line form as eksctl reads them (pkg/ssh/client/ssh.go, ssh.ParseAuthorizedKey).
SSH_KEY_TYPES = ("ssh-rsa", "ssh-ed25519")


def _ssh_public_key_problem(key: str) -> str | None:
    """Why ``key`` is not an OpenSSH public key EC2 would import, or None: ``TYPE BASE64 [comment]`` on
    one line, the base64 blob starting with the same type name (the SSH wire format, RFC 4253 6.6)."""
    parts = key.strip().split(None, 2)
    if "\n" in key.strip() or len(parts) < 2:
        return "is not an OpenSSH public key (one line: the key type, the base64 key and an optional comment)"
    kind, blob = parts[0], parts[1]
    if kind not in SSH_KEY_TYPES:
        return (f"{brief(kind)} keys are not imported by EC2 (ImportKeyPair takes {', '.join(SSH_KEY_TYPES)} "
                "public keys)")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return "is not an OpenSSH public key: the key is not base64"
    n = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else -1
    if raw[4:4 + n] != kind.encode() or len(raw) <= 4 + n:
        return f"is not an OpenSSH public key: the key's data is not a {kind} key"
    return None


class NodeSSH(SettingsModel):
    """SSH to the nodes with an EC2 key pair; reachable from inside the VPC only (eksctl's NodeGroupSSH)."""

    allow: bool = False
    """open port 22 from the VPC CIDR, or from `sourceSecurityGroupIds` (eksctl's rule for private nodes); needs a key"""
    public_key_name: str | None = None
    """an existing EC2 key pair's name; not with `publicKey`"""
    public_key: str | None = None
    """an OpenSSH public key (`ssh-rsa` or `ssh-ed25519`, one line) imported as the group's EC2 key pair; not with `publicKeyName`"""  # noqa: E501
    source_security_group_ids: list[str] = Field(default_factory=list, alias="sourceSecurityGroupIds")
    """(default: the VPC CIDR) security groups (`sg-...`) SSH is opened from instead; needs `allow: true`"""

    @model_validator(mode="after")
    def _check(self) -> "NodeSSH":
        problems: list[tuple[tuple[Any, ...], str]] = []
        # eksctl validation.go, validateNodeGroupSSH: one key source per node group.
        if self.public_key_name and self.public_key:
            problems.append((("publicKey",), "cannot be set together with publicKeyName (eksctl: only one of "
                             "publicKeyName, publicKeyPath or publicKey)"))
        elif self.public_key is not None and (why := _ssh_public_key_problem(self.public_key)):
            problems.append((("publicKey",), why))
        # eksctl would upload ~/.ssh/id_rsa.pub without a key (defaults.go, setSSHDefaults); private-eks
        # reads no local files.
        if self.allow and not (self.public_key_name or self.public_key):
            problems.append((("publicKeyName",), "or publicKey is required with allow: true (private-eks does not "
                             "read ~/.ssh/id_rsa.pub as eksctl would)"))
        # eksctl makeSSHIngressRules opens SSH from these groups only when allow is true; ignoring them
        # silently would leave the user thinking SSH is open from them.
        if self.source_security_group_ids and not self.allow:
            problems.append((("sourceSecurityGroupIds",), "needs allow: true (SSH is opened from them only then)"))
        _check_security_group_ids(self.source_security_group_ids, "sourceSecurityGroupIds", problems)
        raise_rules(problems)
        return self


# eksctl's kubelet settings that kubeletExtraConfig may not override (validation.go,
# validateNodeGroupKubeletExtraConfig: "critical to eksctl functionality").
KUBELET_FORBIDDEN = ("kind", "apiVersion", "address", "clusterDomain", "authentication", "authorization",
                     "serverTLSBootstrap")
# Bottlerocket's settings.kubernetes keys that come from the cluster or from other node group fields
# (eksctl validation.go checkBottlerocketSettings, nodebootstrap/managed_bottlerocket.go
# validateBottlerocketSettings; pulumi-eks nodes/userdata.ts merges the user's keys over its own).
BOTTLEROCKET_OWNED = {"node-labels": "use labels", "node-taints": "use taints", "max-pods": "use maxPodsPerNode",
                       "cluster-name": "set from the cluster", "api-server": "set from the cluster",
                       "cluster-certificate": "set from the cluster"}
_LAUNCH_TEMPLATE_ID_RE = re.compile(r"^lt-[0-9a-f]+$")


class NodeGroupBottlerocket(SettingsModel):
    """Bottlerocket's settings (eksctl's bottlerocket; pulumi-eks bottlerocketSettings)."""

    enable_admin_container: bool | None = None
    """(default: on with `ssh.allow`, as eksctl; else Bottlerocket's, off) `settings.host-containers.admin.enabled`"""
    settings: dict[str, Any] | None = None
    """Bottlerocket API settings (TOML as a mapping); not `kubernetes.node-labels`, `node-taints`, `max-pods` or the cluster's own keys"""


class LaunchTemplate(SettingsModel):
    """An existing EC2 launch template for a managed node group (eksctl's launchTemplate)."""

    id: str
    """the launch template's id (`lt-...`); it must require IMDSv2 tokens"""
    version: str | None = None
    """(default: the template's default version) a version number, quoted, 1 or more"""

    @model_validator(mode="after")
    def _check(self) -> "LaunchTemplate":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not _LAUNCH_TEMPLATE_ID_RE.fullmatch(self.id):
            problems.append((("id",), f"{brief(self.id)} is not a launch template id (lt- and hexadecimal digits)"))
        # eksctl validation.go: a version number >= 1 ($Default and $Latest are not supported there).
        if self.version is not None and (not self.version.isdigit() or int(self.version) < 1):
            problems.append((("version",), f"{brief(self.version)} is not a version number (1 or more)"))
        raise_rules(problems)
        return self


# EC2 security group ids: sg- and 8 or 17 hexadecimal digits.
_SG_RE = re.compile(r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$")


def _check_security_group_ids(ids: list[str], field: str, problems: list[tuple[tuple[Any, ...], str]]) -> None:
    """Each an EC2 security group id, listed once."""
    seen: set[str] = set()
    for i, sg in enumerate(ids):
        if not _SG_RE.fullmatch(sg):
            problems.append(((field, i), f"{brief(sg)} is not a security group id (sg- and 8 or 17 hexadecimal digits)"))
        elif sg in seen:
            problems.append(((field, i), f"{sg!r} is listed twice"))
        seen.add(sg)


class NodeSecurityGroups(SettingsModel):
    """eksctl's securityGroups of a node group (types.go, NodeGroupSGs)."""

    attach_ids: list[str] = Field(default_factory=list, alias="attachIDs")
    """existing security groups (`sg-...`) for the nodes, besides the group's own"""
    with_shared: bool | None = None
    ("""(default: `true` for self-managed groups) the security group shared by all self-managed groups, open to the """
     """cluster security group of managed nodes and the control plane; not on managed groups""")
    with_local: bool | None = None
    """(default: `true` for self-managed groups) the group's own security group; pulumi-eks always makes it, so `true` only; not on managed groups"""  # noqa: E501

    @model_validator(mode="after")
    def _check(self) -> "NodeSecurityGroups":
        problems: list[tuple[tuple[Any, ...], str]] = []
        _check_security_group_ids(self.attach_ids, "attachIDs", problems)
        raise_rules(problems)
        return self


class AsgMetricsCollection(SettingsModel):
    granularity: Literal["1Minute"] = "1Minute"
    """the only granularity EC2 Auto Scaling has"""
    metrics: list[str] = Field(min_length=1)
    """e.g. `GroupMinSize`, `GroupInServiceInstances`"""


# An Auto Scaling group's spot allocation strategies (botocore autoscaling InstancesDistribution,
# SpotAllocationStrategy). eksctl accepts EC2's list (validation.go, validateSpotAllocationStrategy), whose
# "diversified" is EC2 Fleet's only: an Auto Scaling group refuses it.
SpotAllocationStrategy = Literal["lowest-price", "capacity-optimized", "capacity-optimized-prioritized",
                                 "price-capacity-optimized"]
# pulumi-eks's parse of an instance type (nodejs/eks/nodes/nodegroup.ts, ec2InstanceRegex, searched, not
# anchored): a "g" processor letter is a Graviton (arm64) type, isGravitonInstance.
_INSTANCE_TYPE_RE = re.compile(r"([a-z]+)([0-9]+)([a-z])?-?([a-z]+)?\.([a-zA-Z0-9-]+)")
MAX_MIXED_INSTANCE_TYPES = 20
MAX_INSTANCE_TYPE_LENGTH = 64


class InstancesDistribution(SettingsModel):
    """eksctl's instancesDistribution: a self-managed group's mix of instance types, spot and on-demand
    (an Auto Scaling group's mixed instances policy)."""

    instance_types: list[str]
    """1–20 instance types of one CPU architecture; the first is the launch template's, the rest override it"""
    max_price: float | None = Field(default=None, ge=0.001, allow_inf_nan=False)
    """(default: the on-demand price) the most to pay for a spot instance, USD per hour (AWS takes 0.001 or more)"""
    on_demand_base_capacity: int | None = Field(default=None, ge=0)
    """(default: 0, AWS's) nodes that are always on-demand"""
    on_demand_percentage_above_base_capacity: int | None = Field(default=None, ge=0, le=100)
    """(default: 100, AWS's: no spot) 0–100: the on-demand share of the nodes above the base, the rest spot"""
    spot_instance_pools: int | None = Field(default=None, ge=1, le=20)
    """(default: 2, AWS's) 1–20 spot pools per zone; only with `spotAllocationStrategy` `lowest-price`"""
    spot_allocation_strategy: SpotAllocationStrategy | None = None
    """(default: `lowest-price`, AWS's) how spot instances are picked"""
    capacity_rebalance: bool = False
    """replace spot instances EC2 says are at risk of interruption before it interrupts them"""

    @model_validator(mode="after")
    def _check(self) -> "InstancesDistribution":
        # eksctl validation.go, validateInstancesDistribution: 1 to 20 different types; pools 1-20, and
        # not with the capacity-optimized strategies; an Auto Scaling group takes pools with lowest-price
        # only (botocore autoscaling InstancesDistribution.SpotInstancePools: "Valid only when the
        # SpotAllocationStrategy is lowest-price"), so price-capacity-optimized is refused too.
        problems: list[tuple[tuple[Any, ...], str]] = []
        # Each different type once (a list may repeat one thousands of times), and only up to 20 of them.
        first_index = {kind: i for i, kind in reversed(list(enumerate(self.instance_types)))}
        arches: dict[bool, str] = {}
        if not first_index:
            problems.append((("instanceTypes",), "needs at least one instance type"))
        elif len(first_index) > MAX_MIXED_INSTANCE_TYPES:
            problems.append((("instanceTypes",), f"takes at most {MAX_MIXED_INSTANCE_TYPES} different instance types"))
        else:
            for kind, i in sorted(first_index.items(), key=lambda item: item[1]):
                # EC2's instance type names are under 30 characters; a longer string is none, and the
                # search below (which backtracks) stays short.
                m = _INSTANCE_TYPE_RE.search(kind) if len(kind) <= MAX_INSTANCE_TYPE_LENGTH else None
                if m is None:
                    problems.append((("instanceTypes", i), f"{brief(kind)} is not an EC2 instance type (e.g. m5.large)"))
                    continue
                arches.setdefault(m.group(3) == "g", kind)
        if len(arches) > 1:
            # pulumi-eks picks one AMI for the group from the first type (getArchitecture refuses a mix).
            problems.append((("instanceTypes",), f"mixes CPU architectures ({arches[True]} is arm64, {arches[False]} "
                             "x86_64): the nodes share one AMI"))
        strategy = self.spot_allocation_strategy or "lowest-price"
        if self.spot_instance_pools is not None and strategy != "lowest-price":
            problems.append((("spotInstancePools",), f"cannot be set with spotAllocationStrategy {strategy} "
                             "(only with lowest-price)"))
        raise_rules(problems)
        return self

    @property
    def spot_max_price(self) -> str | None:
        """maxPrice as eksctl sends it (cfn/builder/nodegroup.go: fmt "%f")."""
        return None if self.max_price is None else f"{self.max_price:f}"


class UpdateConfig(SettingsModel):
    max_unavailable: int | None = Field(default=None, ge=1)
    """not with the percentage"""
    max_unavailable_percentage: int | None = Field(default=None, ge=1, le=100)
    """1–100; not with `maxUnavailable`"""

    @model_validator(mode="after")
    def _check(self) -> "UpdateConfig":
        # EKS NodegroupUpdateConfig: maxUnavailable or maxUnavailablePercentage, not both.
        if self.max_unavailable is not None and self.max_unavailable_percentage is not None:
            raise_rules([(("maxUnavailablePercentage",), "cannot be set together with maxUnavailable")])
        return self


class NodeRepairOverride(SettingsModel):
    node_monitoring_condition: str
    """the condition, e.g. `NetworkNotReady`"""
    node_unhealthy_reason: str
    """the reason, e.g. `InterfaceNotUp`"""
    min_repair_wait_time_mins: int = Field(ge=0)
    """minutes to wait before repairing"""
    # Passed on as eksctl does (its examples use values the EKS API documents differently).
    repair_action: str
    """passed to EKS as eksctl does"""


class NodeRepairConfig(SettingsModel):
    enabled: bool = False
    """must be `true` for the limits below"""
    max_unhealthy_node_threshold_percentage: int | None = Field(default=None, ge=1, le=100)
    """1–100; not with the count"""
    max_unhealthy_node_threshold_count: int | None = Field(default=None, ge=1)
    """nodes unhealthy before repair stops"""
    max_parallel_nodes_repaired_percentage: int | None = Field(default=None, ge=1, le=100)
    """1–100; not with the count"""
    max_parallel_nodes_repaired_count: int | None = Field(default=None, ge=1)
    """nodes repaired at once"""
    node_repair_config_overrides: list[NodeRepairOverride] = Field(default_factory=list)
    """repair actions for given conditions"""

    @model_validator(mode="after")
    def _check(self) -> "NodeRepairConfig":
        # EKS NodeRepairConfig: each limit as a count or a percentage, not both.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.max_unhealthy_node_threshold_percentage is not None and self.max_unhealthy_node_threshold_count is not None:
            problems.append((("maxUnhealthyNodeThresholdCount",), "cannot be set together with "
                             "maxUnhealthyNodeThresholdPercentage"))
        if self.max_parallel_nodes_repaired_percentage is not None and self.max_parallel_nodes_repaired_count is not None:
            problems.append((("maxParallelNodesRepairedCount",), "cannot be set together with "
                             "maxParallelNodesRepairedPercentage"))
        limits = (self.max_unhealthy_node_threshold_percentage, self.max_unhealthy_node_threshold_count,
                  self.max_parallel_nodes_repaired_percentage, self.max_parallel_nodes_repaired_count)
        if not self.enabled and (any(v is not None for v in limits) or self.node_repair_config_overrides):
            problems.append((("enabled",), "must be true to set the repair limits"))
        raise_rules(problems)
        return self
