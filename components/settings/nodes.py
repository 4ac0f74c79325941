"""Node groups: the fields and rules every node group shares (NodeGroupBase), self-managed
nodeGroups, managedNodeGroups, and fargateProfiles."""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping

from pydantic import Field, field_validator, model_validator

from components.settings.base import (
    DNS_LABEL_RE,
    NAME_RE,
    NAME_RULE,
    NODE_GROUP_NAME_MAX,
    Labels,
    SettingsModel,
    Tags,
    brief,
    check_arn,
    raise_rules,
)
from components.settings.defaults import (
    DEFAULT_AMI_FAMILY,
    DEFAULT_GP3_THROUGHPUT,
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_MAX_SIZE,
    DEFAULT_NODE_COUNT,
    DEFAULT_VOLUME_SIZE,
    DEFAULT_VOLUME_TYPE,
    MIXED_INSTANCE_TYPE,
)
from components.settings.node_options import (
    BOTTLEROCKET_OWNED,
    KUBELET_FORBIDDEN,
    AsgMetricsCollection,
    InstancesDistribution,
    LaunchTemplate,
    NodeGroupBottlerocket,
    NodeGroupIAM,
    NodeRepairConfig,
    NodeSecurityGroups,
    NodeSSH,
    Taint,
    UpdateConfig,
    node_config_problems,
)

# An AMI id, or eksctl's names for the EKS-optimised AMI (auto: from EC2, auto-ssm: from SSM).
# EC2 image ids are ami- and 8 or 17 hexadecimal digits.
_AMI_RE = re.compile(r"^(ami-([0-9a-f]{8}|[0-9a-f]{17})|auto|auto-ssm)$")


_VOLUME_IOPS = {"gp3": (3000, 16000), "io1": (100, 64000), "io2": (100, 256000)}
_THROUGHPUT = (DEFAULT_GP3_THROUGHPUT, 1000)


class NodeGroupBase(SettingsModel):
    name: str
    """unique across all node groups; a letter or digit, then letters, digits, `-` (at most 63)"""
    instance_type: str | None = None
    ("""(default: `m5.large`) the instance type (managed node groups: not with `instanceTypes`; self-managed: unset or """
     """`mixed` with `instancesDistribution`)""")
    desired_capacity: int | None = Field(default=None, ge=0)
    """(default: minSize) how many nodes"""
    min_size: int | None = Field(default=None, ge=0)
    """(default: desiredCapacity, else 2) `minSize <= desiredCapacity <= maxSize`; `minSize: 0` alone scales from zero"""
    max_size: int | None = Field(default=None, ge=1)
    """(default: desiredCapacity, else minSize (1 when that is 0)) the most nodes"""
    volume_size: int | None = Field(default=None, ge=1)
    """(default: 80) root volume, GiB (gp3)"""
    labels: Labels = Field(default_factory=dict)
    """Kubernetes node labels (Kubernetes' rules for label keys and values)"""
    taints: list[Taint] = Field(default_factory=list)
    """`{key, value, effect}`"""
    tags: Tags = Field(default_factory=dict)
    """tags on the node group's resources"""
    # No default on purpose: unset is an error, as in eksctl's privateCluster validation.
    private_networking: bool | None = None
    """(default: **none**: it must be written) must be `true`"""
    # The node OS: the families pulumi-eks builds nodes for (OperatingSystem: AL2, AL2023, Bottlerocket).
    ami_family: Literal["AmazonLinux2023", "AmazonLinux2", "Bottlerocket"] = DEFAULT_AMI_FAMILY
    ("""(default: `AmazonLinux2023`) the node OS (pulumi-eks's operating systems); `AmazonLinux2` only before Kubernetes 1.33 """
     """unless `ami` is given""")
    ami: str | None = None
    """(default: the EKS-optimised AMI) a custom AMI of the family"""
    volume_type: Literal["gp2", "gp3", "io1", "io2", "sc1", "st1"] = DEFAULT_VOLUME_TYPE
    """the root volume's EBS type"""
    volume_iops: int | None = Field(default=None, alias="volumeIOPS")
    """(default: gp3 3000, io1/io2 100) gp3 3000–16000, io1 100–64000, io2 100–256000"""
    volume_throughput: int | None = None
    """(default: 125 with gp3) MiB/s; gp3 only, 125–1000"""
    volume_encrypted: bool | None = None
    """(default: the account's EBS default) encrypt the root volume"""
    volume_kms_key_id: str | None = Field(default=None, alias="volumeKmsKeyID")
    """the KMS key (id, alias or ARN); needs `volumeEncrypted: true`"""
    iam: NodeGroupIAM = Field(default_factory=NodeGroupIAM)
    """the node role"""
    availability_zones: list[str] = Field(default_factory=list)
    """(default: all the cluster's) only AZs of the cluster's private subnets"""
    subnets: list[str] = Field(default_factory=list)
    ("""(default: all the private subnets) names (keys of `vpc.subnets.private`) or ids of the cluster's private subnets only; """
     """not with `availabilityZones`""")
    ssh: NodeSSH = Field(default_factory=NodeSSH)
    """SSH access"""
    security_groups: NodeSecurityGroups = Field(default_factory=NodeSecurityGroups)
    """the nodes' security groups"""
    # IMDSv2 is always required here; eksctl's field is accepted when it says the same.
    disable_imdsv1: bool = Field(default=True, alias="disableIMDSv1")
    """must be `true`: IMDSv2 is always required"""
    max_pods_per_node: int = Field(default=0, ge=0)
    """(default: the AMI's, from the instance type) the kubelet's `maxPods`; 0 leaves it to the AMI"""
    pre_bootstrap_commands: list[str] = Field(default_factory=list)
    ("""shell commands run before the node joins (AmazonLinux2023: before nodeadm starts the kubelet; AmazonLinux2: only with """
     """`overrideBootstrapCommand`); not on Bottlerocket""")
    override_bootstrap_command: str | None = None
    ("""AmazonLinux2023: a nodeadm `NodeConfig` document merged last; AmazonLinux2: the script that joins the node, in """
     """place of pulumi-eks's (managed node groups: only with `ami`); not on Bottlerocket""")
    bottlerocket: NodeGroupBottlerocket | None = None
    """Bottlerocket settings; only with `amiFamily: Bottlerocket`"""

    @model_validator(mode="after")
    def _check(self) -> "NodeGroupBase":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.private_networking is None:
            problems.append((("privateNetworking",), "must be set to true in a fully-private cluster (it is not defaulted)"))
        elif self.private_networking is False:
            problems.append((("privateNetworking",), "must be true in a fully-private cluster"))
        if not NAME_RE.fullmatch(self.name) or len(self.name) > NODE_GROUP_NAME_MAX:
            problems.append((("name",), f"{NAME_RULE} (at most {NODE_GROUP_NAME_MAX})"))
        lo, want, hi = self.min_size, self.desired_capacity, self.max_size
        if lo is not None and want is not None and lo > want:
            problems.append((("minSize",), f"{lo} is greater than desiredCapacity {want}"))
        if want is not None and hi is not None and want > hi:
            problems.append((("desiredCapacity",), f"{want} is greater than maxSize {hi}"))
        if lo is not None and hi is not None and lo > hi:
            problems.append((("minSize",), f"{lo} is greater than maxSize {hi}"))
        elif hi is not None and want is None and lo is None and hi < DEFAULT_NODE_COUNT:
            problems.append((("maxSize",), f"{hi} is less than the default minSize {DEFAULT_NODE_COUNT}; "
                                           "set minSize or desiredCapacity too"))
        problems += self._image_and_volume_rules()
        problems += self._bootstrap_rules()
        if not self.disable_imdsv1:
            problems.append((("disableIMDSv1",), "must be true: nodes here always require IMDSv2"))
        if self.instance_type == MIXED_INSTANCE_TYPE and getattr(self, "instances_distribution", None) is None:
            # eksctl's name for "the types are instancesDistribution's" (pkg/eks/nodegroup_service.go).
            problems.append((("instanceType",), f'"{MIXED_INSTANCE_TYPE}" needs instancesDistribution (self-managed '
                             "node groups only)"))
        if self.availability_zones and self.subnets:
            problems.append((("subnets",), "cannot be set together with availabilityZones"))
        if len(set(self.availability_zones)) != len(self.availability_zones):
            problems.append((("availabilityZones",), "lists an availability zone twice"))
        raise_rules(problems)
        return self

    def _image_and_volume_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.ami is not None and not _AMI_RE.match(self.ami):
            problems.append((("ami",), f"{self.ami!r} is not an AMI id (ami- and 8 or 17 hexadecimal digits), "
                                       "auto or auto-ssm"))
        # eksctl validation.go, validateVolumeOpts: IOPS for gp3, io1 and io2 within their ranges,
        # throughput for gp3 only; a KMS key only with volumeEncrypted explicitly true.
        kind = self.volume_type
        if self.volume_iops is not None:
            if kind not in _VOLUME_IOPS:
                problems.append((("volumeIOPS",), f"is only supported for gp3, io1 and io2 volumes, not {kind}"))
            else:
                lo, hi = _VOLUME_IOPS[kind]
                if not lo <= self.volume_iops <= hi:
                    problems.append((("volumeIOPS",), f"must be within {lo}-{hi} for {kind}"))
        if self.volume_throughput is not None:
            if kind != "gp3":
                problems.append((("volumeThroughput",), f"is only supported for gp3 volumes, not {kind}"))
            elif not _THROUGHPUT[0] <= self.volume_throughput <= _THROUGHPUT[1]:
                problems.append((("volumeThroughput",), f"must be within {_THROUGHPUT[0]}-{_THROUGHPUT[1]}"))
        if self.volume_kms_key_id is not None:
            if self.volume_encrypted is not True:
                problems.append((("volumeKmsKeyID",), "needs volumeEncrypted: true"))
            # EC2 LaunchTemplateEbsBlockDeviceRequest.KmsKeyId: a key id, alias, key ARN or alias ARN.
            if self.volume_kms_key_id.startswith("arn:"):
                check_arn(self.volume_kms_key_id, ("volumeKmsKeyID",), problems, service="kms", resource=("key", "alias"))
        return problems

    def _bootstrap_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        """eksctl's rules for the bootstrap fields (validation.go, ValidateNodeGroup and
        ValidateManagedNodeGroup), and pulumi-eks's where it cannot carry one (nodes/userdata.ts)."""
        problems: list[tuple[tuple[Any, ...], str]] = []
        family, managed = self.ami_family, isinstance(self, ManagedNodeGroup)
        if self.bottlerocket is not None and family != "Bottlerocket":
            problems.append((("bottlerocket",), f"can only be used with amiFamily Bottlerocket, not {family}"))
        if family == "Bottlerocket":
            # Bottlerocket runs no user data scripts: its user data is TOML settings.
            for field, value in (("preBootstrapCommands", self.pre_bootstrap_commands),
                                 ("overrideBootstrapCommand", self.override_bootstrap_command)):
                if value:
                    problems.append(((field,), "is not supported for Bottlerocket node groups (no user data scripts)"))
            if self.bottlerocket is not None:
                problems += self._bottlerocket_rules(managed)
        elif family == "AmazonLinux2023":
            if self.override_bootstrap_command is not None:
                problems += node_config_problems(self.override_bootstrap_command)
        else:  # AmazonLinux2: pulumi-eks runs bootstrap.sh itself, extra user data only after it.
            if self.pre_bootstrap_commands and self.override_bootstrap_command is None:
                problems.append((("preBootstrapCommands",), "needs overrideBootstrapCommand on AmazonLinux2 (pulumi-eks "
                                 "runs its own user data after bootstrap.sh, not before); or use AmazonLinux2023"))
            if self.override_bootstrap_command is not None and self.max_pods_per_node:
                problems.append((("maxPodsPerNode",), "cannot be set with overrideBootstrapCommand on AmazonLinux2; "
                                 "pass --max-pods in the bootstrap command"))
        # Self-managed node groups only (the field is NodeGroup's).
        kubelet = getattr(self, "kubelet_extra_config", None)
        if kubelet is not None:
            if self.ami_family == "Bottlerocket":
                problems.append((("kubeletExtraConfig",), "is not supported for Bottlerocket node groups; "
                                 "use bottlerocket.settings.kubernetes"))
            elif self.ami_family == "AmazonLinux2":
                # pulumi-eks's AmazonLinux2 user data passes kubelet flags only (nodes/userdata.ts).
                problems.append((("kubeletExtraConfig",), "is supported on AmazonLinux2023 only (pulumi-eks gives "
                                 "AmazonLinux2 nodes kubelet flags, not a kubelet configuration)"))
            for key in kubelet:
                if key in KUBELET_FORBIDDEN:
                    problems.append((("kubeletExtraConfig", key), "may not be overridden (eksctl: it is critical to "
                                     "the node's bootstrap)"))
        if not managed and family == "AmazonLinux2" and self.override_bootstrap_command is not None:
            # pulumi-eks refuses nodeUserDataOverride with labels or taints (nodes/nodegroup.ts).
            for field, given in (("labels", bool(self.labels)), ("taints", bool(self.taints))):
                if given:
                    problems.append(((field,), "cannot be set with overrideBootstrapCommand on AmazonLinux2; pass "
                                     "them in the bootstrap command (--kubelet-extra-args)"))
        if managed and self.override_bootstrap_command is not None and family != "AmazonLinux2023" \
                and self.custom_ami is None:
            problems.append((("overrideBootstrapCommand",), "can only be set when a custom AMI (ami) is specified"))
        if managed and self.custom_ami is not None and self.max_pods_per_node:
            problems.append((("maxPodsPerNode",), "is not supported when using a custom AMI (ami)"))
        return problems

    def _bottlerocket_rules(self, managed: bool) -> list[tuple[tuple[Any, ...], str]]:
        assert self.bottlerocket is not None
        problems: list[tuple[tuple[Any, ...], str]] = []
        settings = self.bottlerocket.settings or {}
        kube = settings.get("kubernetes")
        if kube is not None and not isinstance(kube, Mapping):
            problems.append((("bottlerocket", "settings", "kubernetes"), "must be a mapping of settings"))
            kube = {}
        owned = dict(BOTTLEROCKET_OWNED)
        if managed:  # eksctl managed_bottlerocket.go: EKS injects the cluster DNS address too
            owned["cluster-dns-ip"] = "set from the cluster"
        for key in kube or {}:
            if key in owned:
                problems.append((("bottlerocket", "settings", "kubernetes", key), f"may not be set: {owned[key]}"))
        admin = settings.get("host-containers")
        admin = admin.get("admin") if isinstance(admin, Mapping) else None
        if managed and self.bottlerocket.enable_admin_container is not None and isinstance(admin, Mapping) \
                and "enabled" in admin:
            problems.append((("bottlerocket", "enableAdminContainer"), "cannot be set together with "
                             "bottlerocket.settings.host-containers.admin.enabled"))
        return problems

    @property
    def custom_ami(self) -> str | None:
        """The AMI id, or None for the EKS-optimised AMI of the family (eksctl's auto and auto-ssm)."""
        return None if self.ami in (None, "auto", "auto-ssm") else self.ami

    @property
    def volume_iops_or_default(self) -> int | None:
        """eksctl's defaults.go: gp3 3000, io1 and io2 100 IOPS when not given."""
        if self.volume_iops is not None:
            return self.volume_iops
        return _VOLUME_IOPS[self.volume_type][0] if self.volume_type in _VOLUME_IOPS else None

    @property
    def volume_throughput_or_default(self) -> int | None:
        if self.volume_type != "gp3":
            return None
        return self.volume_throughput if self.volume_throughput is not None else DEFAULT_GP3_THROUGHPUT

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(min, desired, max) as eksctl completes them (validation.go, validateManagedNodeGroup, and
        cfn/builder/nodegroup.go): min defaults to desired, else 2; max to desired, else min, and
        to 1 when that is 0; desired to min. So ``minSize: 0`` alone scales from zero."""
        want_given, lo_given, hi_given = self.desired_capacity, self.min_size, self.max_size
        lo = lo_given if lo_given is not None else (want_given if want_given is not None else DEFAULT_NODE_COUNT)
        hi = hi_given if hi_given is not None else (want_given if want_given is not None else lo)
        if hi == 0:
            hi = DEFAULT_MAX_SIZE
        want = want_given if want_given is not None else lo
        return lo, want, hi

    @property
    def effective_volume_size(self) -> int:
        return self.volume_size if self.volume_size is not None else DEFAULT_VOLUME_SIZE


# Elastic Load Balancing's CreateLoadBalancer, LoadBalancerName: up to 32 alphanumerics and hyphens,
# not beginning or ending with a hyphen.
_ELB_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")


class NodeGroup(NodeGroupBase):
    """A self-managed node group."""

    instance_name: str | None = None
    """the instances' `Name` tag"""
    asg_metrics_collection: list[AsgMetricsCollection] = Field(default_factory=list)
    """one entry: the Auto Scaling group's metrics"""
    target_group_arns: list[str] = Field(default_factory=list, alias="targetGroupARNs")
    """target group ARNs; the Auto Scaling group registers its instances there"""
    classic_load_balancer_names: list[str] = Field(default_factory=list)
    """Classic Load Balancers (internal ones: there is no internet here) the Auto Scaling group registers its instances with"""
    # eksctl has it on self-managed node groups only (types.go, NodeGroup.KubeletExtraConfig).
    kubelet_extra_config: dict[str, Any] | None = None
    ("""kubelet configuration (KubeletConfiguration fields), AmazonLinux2023 only; not `kind`, `apiVersion`, `address`, """
     """`clusterDomain`, `authentication`, `authorization`, `serverTLSBootstrap`""")
    instances_distribution: InstancesDistribution | None = None
    ("""mixed instance types, spot and on-demand (an Auto Scaling mixed instances policy); `instanceType` then unset or """
     """`mixed`""")

    @property
    def launch_instance_type(self) -> str:
        """The launch template's instance type: the first of a distribution's, as eksctl's
        (cfn/builder/nodegroup.go), else instanceType or the default."""
        if self.instances_distribution is not None:
            return self.instances_distribution.instance_types[0]
        return self.instance_type or DEFAULT_INSTANCE_TYPE

    @property
    def shared_security_group(self) -> bool:
        """eksctl's withShared, defaulted as eksctl does for self-managed groups (defaults.go)."""
        return self.security_groups.with_shared is not False

    @model_validator(mode="after")
    def _self_managed(self) -> "NodeGroup":
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, arn in enumerate(self.target_group_arns):
            check_arn(arn, ("targetGroupARNs", i), problems, service="elasticloadbalancing", resource="targetgroup")
        for i, lb in enumerate(self.classic_load_balancer_names):
            if not _ELB_NAME_RE.fullmatch(lb):
                problems.append((("classicLoadBalancerNames", i), f"{brief(lb)} is not a load balancer name "
                                 "(1-32 letters, digits and '-', not starting or ending with '-')"))
        # pulumi-eks gives every NodeGroupV2 a security group of its own (nodejs/eks/nodes/nodegroup.ts,
        # createNodeGroupSecurityGroup unless nodeSecurityGroup is given): eksctl's withLocal: false cannot be had.
        if self.security_groups.with_local is False:
            problems.append((("securityGroups", "withLocal"), "can only be true: pulumi-eks always gives a self-managed "
                             "node group its own security group (with the control plane's rules)"))
        # eksctl validation.go: one metrics collection entry (an ASG has one granularity).
        if len(self.asg_metrics_collection) > 1:
            problems.append((("asgMetricsCollection",), "takes one entry (an Auto Scaling group has one granularity)"))
        # eksctl validation.go, validateInstancesDistribution: the types are the distribution's.
        if self.instances_distribution is not None and self.instance_type not in (None, MIXED_INSTANCE_TYPE):
            problems.append((("instanceType",), f'must be unset or "{MIXED_INSTANCE_TYPE}" with instancesDistribution '
                             "(the instance types are instancesDistribution.instanceTypes)"))
        raise_rules(problems)
        return self


class ManagedNodeGroup(NodeGroupBase):
    instance_types: list[str] = Field(default_factory=list)
    """several types (e.g. for spot); not with `instanceType`"""
    spot: bool = False
    """spot capacity"""
    update_config: UpdateConfig | None = None
    """(default: EKS's, 1 node at a time) how many nodes an update may take down"""
    node_repair_config: NodeRepairConfig | None = None
    """(default: off) EKS node auto repair"""
    release_version: str | None = None
    ("""(default: the newest for the cluster's version) pin the EKS-optimised AMI release, e.g. `"1.33.0-20250704"`; """
     """its Kubernetes version at most the cluster's and within the kubelet skew; not with `ami` or the bootstrap """
     """fields""")
    force_update_version: bool | None = None
    """(default: false) replace nodes on a version update even when a PodDisruptionBudget keeps pods from draining"""
    launch_template: LaunchTemplate | None = None
    ("""an existing launch template (requiring IMDSv2, without an AMI: checked by preflight); not with `instanceType`, `ami`, """
     """the volume fields, `ssh`, `securityGroups.attachIDs`, `maxPodsPerNode`, the bootstrap commands or """
     """`bottlerocket`""")

    @model_validator(mode="after")
    def _launch_template(self) -> "ManagedNodeGroup":
        if self.launch_template is None:
            return self
        # eksctl validation.go, ValidateManagedNodeGroup: these belong in the launch template. The
        # volume fields, the key pair and bottlerocket too: pulumi-eks makes no launch template of
        # its own then (nodes/nodegroup.ts, customLaunchTemplateArgs), so nothing would carry them.
        given = self.model_fields_set
        fields = {"instanceType": "instance_type", "ami": "ami", "volumeSize": "volume_size",
                  "volumeType": "volume_type", "volumeIOPS": "volume_iops", "volumeThroughput": "volume_throughput",
                  "volumeEncrypted": "volume_encrypted", "volumeKmsKeyID": "volume_kms_key_id",
                  "maxPodsPerNode": "max_pods_per_node", "preBootstrapCommands": "pre_bootstrap_commands",
                  "overrideBootstrapCommand": "override_bootstrap_command", "bottlerocket": "bottlerocket"}
        problems: list[tuple[tuple[Any, ...], str]] = [
            ((alias,), "cannot be set with launchTemplate; set it in the launch template")
                    for alias, name in fields.items() if name in given and getattr(self, name) not in (None, 0, [])]
        for key, value in (("publicKeyName", self.ssh.public_key_name), ("publicKey", self.ssh.public_key)):
            if value:
                problems.append((("ssh", key), "cannot be set with launchTemplate; set the key pair in the "
                                 "launch template"))
        # eksctl validation.go, ValidateManagedNodeGroup: ssh.allow and ssh.sourceSecurityGroupIds too.
        if self.ssh.allow:
            problems.append((("ssh", "allow"), "cannot be set with launchTemplate; set the security groups in the "
                             "launch template"))
        if self.security_groups.attach_ids:
            problems.append((("securityGroups", "attachIDs"), "cannot be set with launchTemplate; set the security "
                             "groups in the launch template"))
        raise_rules(problems)
        return self

    @model_validator(mode="after")
    def _security_groups(self) -> "ManagedNodeGroup":
        # eksctl validation.go, ValidateManagedNodeGroup: EKS gives managed nodes the cluster security group.
        sgs = self.security_groups
        problems = [(("securityGroups", key), "is not supported for managed node groups (their nodes get the "
                     "cluster security group; use attachIDs)") for key, value in (
                        ("withShared", sgs.with_shared), ("withLocal", sgs.with_local)) if value]
        raise_rules(problems)
        return self

    @model_validator(mode="after")
    def _types(self) -> "ManagedNodeGroup":
        if self.instance_type and self.instance_types:
            raise_rules([(("instanceTypes",), "cannot be set together with instanceType")])
        return self

    @field_validator("release_version", mode="before")
    @classmethod
    def _no_release_version(cls, v: Any) -> Any:
        # eksctl writes `releaseVersion: ""` for "none" (types.go: no omitempty on the field).
        return None if v == "" else v

    @model_validator(mode="after")
    def _release_version(self) -> "ManagedNodeGroup":
        if self.release_version is None:
            return self
        from components import upgrades

        raise_rules([(("releaseVersion",), message) for message in upgrades.release_version_problems(self)])
        return self


# EKS's name rule (botocore/data/eks/2017-11-01/service-2.json, shape ClusterName; CloudFormation's
# AWS::EKS::FargateProfile FargateProfileName has the same pattern and length).
_EKS_NAME_RE = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")


class FargateSelector(SettingsModel):
    namespace: str
    """the pods' namespace (a Kubernetes namespace: a DNS label)"""
    labels: Labels = Field(default_factory=dict)
    """the pods' labels"""

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        # A Kubernetes namespace is a DNS-1123 label (kubernetes/apimachinery validation.go).
        if not DNS_LABEL_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a Kubernetes namespace (up to 63 lower-case letters, digits and '-', "
                             "starting and ending with a letter or digit)")
        return v


class FargateProfile(SettingsModel):
    name: str
    """the profile's name: a letter or digit, then letters, digits, `-`, `_` (at most 100); not `eks-…` (reserved)"""
    selectors: list[FargateSelector] = Field(min_length=1)
    """which pods run on Fargate: at least one"""
    tags: Tags = Field(default_factory=dict)
    """tags on the profile"""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _EKS_NAME_RE.fullmatch(v):
            raise ValueError("must start with a letter or digit and contain only letters, digits, '-' and '_' "
                             "(at most 100), as EKS requires")
        if v.startswith("eks-"):  # eksctl: the prefix is reserved for profiles EKS makes itself
            raise ValueError("may not start with 'eks-' (reserved; eksctl refuses it too)")
        return v
